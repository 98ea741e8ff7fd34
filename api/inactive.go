package api

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
)

// dropInactiveUsers makes a token of a deactivated user anonymous on every
// route, PocketBase's own included (auth-refresh, records, realtime), right
// after PocketBase has loaded it: is_active is OpenStream's switch, and
// PocketBase knows nothing of it.
func dropInactiveUsers(r *router.Router[*core.RequestEvent]) {
	r.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "openstreamDropInactiveUsers",
		Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
		Func: func(e *core.RequestEvent) error {
			if e.Auth != nil && e.Auth.Collection().Name == collections.Users && !e.Auth.GetBool("is_active") {
				e.Auth = nil
			}
			return e.Next()
		},
	})
}
