package assets

import "github.com/pocketbase/pocketbase/core"

// savePositioned saves a colour or font in one transaction, so the
// position the model hook assigns (hooks/positions.go: one past the
// organisation's highest, as upstream's save() under a row lock) cannot
// be taken by a concurrent create in between.
func savePositioned(app core.App, r *core.Record) error {
	return app.RunInTransaction(func(tx core.App) error { return tx.Save(r) })
}
