package migrations

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Creates the append-only audit trail, audit_events (package audit). Down
// drops the collection with its rows.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(collections.Id(collections.AuditEvents))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return app.Delete(c)
	})
}
