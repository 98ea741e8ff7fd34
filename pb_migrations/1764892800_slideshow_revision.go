package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Adds the slideshows' revision (see collections.RevisionField): existing rows
// start at 0 and count from their next save. Down removes the field again.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(collections.Slideshows)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(collections.RevisionField)
		return app.Save(c)
	})
}
