package rest

import (
	"net/http"
	"slices"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// The headers django-cors-headers 3.14 sends (docs/api.md, "CORS").
const (
	corsAllowHeaders = "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, x-api-key"
	corsAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT"
	corsMaxAge       = "86400"
)

// CORSMiddlewareId names the middleware UseCORS binds.
const CORSMiddlewareId = "openstreamCors"

// UseCORS replaces PocketBase's CORS middleware (which allows "*") with
// upstream's policy for every route, PocketBase's own included: exact
// origins, no credentials, preflights answered before any handler runs.
func UseCORS(r *router.Router[*core.RequestEvent], origins []string) {
	// Unbind also excludes the id in every existing group, hence our own id.
	r.Unbind(apis.DefaultCorsMiddlewareId)
	r.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       CORSMiddlewareId,
		Priority: apis.DefaultCorsMiddlewarePriority,
		Func: func(e *core.RequestEvent) error {
			h := e.Response.Header()
			h.Add("Vary", "Origin")
			origin := e.Request.Header.Get("Origin")
			allowed := origin != "" && slices.Contains(origins, origin)
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			if e.Request.Method != http.MethodOptions || e.Request.Header.Get("Access-Control-Request-Method") == "" {
				return e.Next()
			}
			if allowed {
				h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
				h.Set("Access-Control-Allow-Methods", corsAllowMethods)
				h.Set("Access-Control-Max-Age", corsMaxAge)
			}
			h.Set("Content-Length", "0")
			e.Response.WriteHeader(http.StatusOK)
			return nil
		},
	})
}
