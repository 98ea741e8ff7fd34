package hooks

import (
	"github.com/google/uuid"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// registerBranches gives every new branch its screen API key in the same
// transaction, so a branch never exists without one.
func registerBranches(app core.App) {
	app.OnRecordCreate(collections.Branches).BindFunc(func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			key, err := collections.NewRecord(tx, collections.BranchAPIKeys)
			if err != nil {
				return err
			}
			key.Set("branch", e.Record.Id)
			key.Set("key", uuid.NewString())
			return tx.Save(key)
		})
	})
}
