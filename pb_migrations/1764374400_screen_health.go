package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Screen health fields (last_seen, last_content) on display_websites;
// deleting a group detaches its screens instead of deleting them; an
// emergency goes with its last group. Up re-applies the definitions in
// collections/ (idempotent, keeps field ids); down restores the old shape.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		screens, err := app.FindCollectionByNameOrId(collections.DisplayWebsites)
		if err != nil {
			return err
		}
		screens.Fields.RemoveByName("last_seen")
		screens.Fields.RemoveByName("last_content")
		if f, ok := screens.Fields.GetByName("display_website_group").(*core.RelationField); ok {
			f.CascadeDelete = true
		}
		if err := app.Save(screens); err != nil {
			return err
		}
		emergencies, err := app.FindCollectionByNameOrId(collections.EmergencySlideshows)
		if err != nil {
			return err
		}
		if f, ok := emergencies.Fields.GetByName("display_website_groups").(*core.RelationField); ok {
			f.CascadeDelete = false
		}
		return app.Save(emergencies)
	})
}
