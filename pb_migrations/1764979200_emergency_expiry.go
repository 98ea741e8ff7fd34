package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Adds the emergencies' expires_at (when an active emergency switches
// itself off; empty for every existing row). Down removes the field again.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(collections.EmergencySlideshows)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("expires_at")
		return app.Save(c)
	})
}
