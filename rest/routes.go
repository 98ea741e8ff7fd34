package rest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Methods maps an HTTP method to its handler.
type Methods map[string]func(e *core.RequestEvent) error

// Route serves path with and without its trailing slash (the frontend calls
// several slashed routes without the slash, and some unslashed ones are
// only served so upstream), and answers other methods with DRF's 405. It
// returns the handlers' routes, e.g. to unbind PocketBase's body limit.
func Route(r *router.Router[*core.RequestEvent], path string, methods Methods) Routes {
	allowed := make([]string, 0, len(methods)+1)
	for m := range methods {
		allowed = append(allowed, m)
	}
	allowed = append(allowed, http.MethodOptions)
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")

	var routes Routes
	base := strings.TrimSuffix(path, "/")
	for _, p := range []string{base, base + "/{$}"} {
		for m, fn := range methods {
			routes = append(routes, r.Route(m, p, Handler(fn)))
		}
		r.Any(p, Handler(func(e *core.RequestEvent) error {
			e.Response.Header().Set("Allow", allow)
			return Detail(http.StatusMethodNotAllowed, `Method "`+e.Request.Method+`" not allowed.`)
		}))
	}
	return routes
}

// Routes are the routes Route registered for its handlers.
type Routes []*router.Route[*core.RequestEvent]

// Unbind removes the middlewares with the given ids from every route.
func (rs Routes) Unbind(ids ...string) Routes {
	for _, r := range rs {
		r.Unbind(ids...)
	}
	return rs
}

// NotFoundUnder answers every unknown path under prefix (e.g. "/api/") with
// a JSON 404 instead of an HTML page. More specific routes, PocketBase's
// own included, still win: Go's ServeMux picks the most specific pattern.
func NotFoundUnder(r *router.Router[*core.RequestEvent], prefix string) {
	r.Any(strings.TrimSuffix(prefix, "/")+"/{path...}", Handler(func(e *core.RequestEvent) error {
		return Detail(http.StatusNotFound, MsgNotFound)
	}))
}

// WithLiteral serves a literal last segment (tags/list,
// global-templates/permissions) on its sibling {pk} route: Go's ServeMux
// refuses "/api/tags/list" (any method, as Route registers its 405) next
// to "GET /api/tags/{pk}" as ambiguous. lit answers the literal, pk the rest.
func WithLiteral(literal string, lit, pk Methods) Methods {
	out := Methods{}
	for _, methods := range []Methods{lit, pk} {
		for m := range methods {
			litFn, pkFn := lit[m], pk[m]
			out[m] = func(e *core.RequestEvent) error {
				fn := pkFn
				if e.Request.PathValue("pk") == literal {
					fn = litFn
				}
				if fn == nil {
					return Detail(http.StatusMethodNotAllowed, `Method "`+m+`" not allowed.`)
				}
				return fn(e)
			}
		}
	}
	return out
}
