package migrations

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Adds the index that serves PocketBase's case-insensitive id check on
// every create (see collections.useNumericIds); down removes it again.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		for _, name := range collections.Names() {
			c, err := app.FindCollectionByNameOrId(name)
			if errors.Is(err, sql.ErrNoRows) {
				continue // created by a later migration, already reverted
			}
			if err != nil {
				return err
			}
			c.RemoveIndex(collections.IdLookupIndex(c.Name))
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	})
}
