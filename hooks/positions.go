package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// registerPositions gives a colour or font saved without a position (empty
// or 0) the organisation's highest position + 1, as upstream's save() did,
// whichever API the write comes through. Callers that need two concurrent
// creates to get distinct positions save inside a transaction.
func registerPositions(app core.App) {
	onSave(app, func(e *core.RecordEvent) error {
		if e.Record.GetInt("position") == 0 {
			var top int
			err := e.App.DB().Select("COALESCE(MAX([[position]]), 0)").From(e.Record.Collection().Name).
				Where(dbx.HashExp{"organisation": e.Record.GetString("organisation")}).
				AndWhere(dbx.Not(dbx.HashExp{"id": e.Record.Id})).Row(&top)
			if err != nil {
				return err
			}
			e.Record.Set("position", top+1)
		}
		return e.Next()
	}, collections.CustomColors, collections.CustomFonts)
}
