package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
)

// registerActivation stamps an emergency's activated_at each time it is
// switched on (created active, or inactive before this save), whoever
// saves it; the delivery report counts from that instant.
func registerActivation(app core.App) {
	onSave(app, func(e *core.RecordEvent) error {
		r := e.Record
		if r.GetBool("is_active") && (r.IsNew() || !r.Original().GetBool("is_active") || r.GetDateTime("activated_at").IsZero()) {
			r.Set("activated_at", types.NowDateTime())
		}
		return e.Next()
	}, collections.EmergencySlideshows)
}
