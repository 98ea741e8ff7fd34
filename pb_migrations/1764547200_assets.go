package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Uploaded font files on custom_fonts (the file field). Up re-applies the
// definitions in collections/ (idempotent, keeps field ids); down removes
// the field, and with it the stored files' references.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		fonts, err := app.FindCollectionByNameOrId(collections.CustomFonts)
		if err != nil {
			return err
		}
		fonts.Fields.RemoveByName("file")
		return app.Save(fonts)
	})
}
