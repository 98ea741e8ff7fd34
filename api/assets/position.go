package assets

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// savePositioned saves a colour or font. A position left empty or 0
// becomes one past the organisation's highest (upstream's save(), done
// under a row lock there): computing it and saving in one transaction
// keeps two concurrent creates from taking the same position.
func savePositioned(app core.App, r *core.Record) error {
	return app.RunInTransaction(func(tx core.App) error {
		if r.GetInt("position") == 0 {
			var top int
			err := tx.DB().Select("COALESCE(MAX([[position]]), 0)").From(r.Collection().Name).
				Where(dbx.HashExp{"organisation": r.GetString("organisation")}).
				AndWhere(dbx.Not(dbx.HashExp{"id": r.Id})).Row(&top)
			if err != nil {
				return err
			}
			r.Set("position", top+1)
		}
		return tx.Save(r)
	})
}
