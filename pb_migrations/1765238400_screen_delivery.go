package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Adds what a screen was last delivered and acknowledged and since when it
// is marked offline (display_websites), and when an emergency was last
// switched on (activated_at). Every existing row starts empty. Down
// removes the fields again.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		screens, err := app.FindCollectionByNameOrId(collections.DisplayWebsites)
		if err != nil {
			return err
		}
		for _, name := range []string{"delivered_version", "delivered_at", "delivered_via", "acknowledged_version", "acknowledged_at", "offline_since"} {
			screens.Fields.RemoveByName(name)
		}
		if err := app.Save(screens); err != nil {
			return err
		}
		emergencies, err := app.FindCollectionByNameOrId(collections.EmergencySlideshows)
		if err != nil {
			return err
		}
		emergencies.Fields.RemoveByName("activated_at")
		return app.Save(emergencies)
	})
}
