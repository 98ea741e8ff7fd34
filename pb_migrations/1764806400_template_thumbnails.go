package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Global templates keep their thumbnail image as a file in the media
// storage (see collections.thumbnail); down removes the field again.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(collections.GlobalSlideTemplates)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("thumbnail")
		return app.Save(c)
	})
}
