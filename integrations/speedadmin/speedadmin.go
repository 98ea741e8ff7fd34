// Package speedadmin serves the SpeedAdmin routes of docs/api.md,
// "Slide-type data sources". Upstream never connected SpeedAdmin: its fetch
// returned no schools and no bookings, so both routes answer [] once the
// caller passes the checks. There is no upstream call, hence nothing to time
// out or to cache.
package speedadmin

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/orgaccess"
	"github.com/openstream-go/openstream/rest"
)

// Mount adds GET /api/speedadmin/ and GET /api/speedadmin/schools/.
func Mount(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/speedadmin/", rest.Methods{http.MethodGet: bookings})
	rest.Route(r, "/api/speedadmin/schools/", rest.Methods{http.MethodGet: schools})
}

// bookings are today's bookings of ?school_name=. Only signed-in users
// may ask (upstream ignored X-API-KEY here).
func bookings(e *core.RequestEvent) error {
	if err := orgaccess.RequireUser(e, orgaccess.SpeedAdmin); err != nil {
		return err
	}
	if e.Request.URL.Query().Get("school_name") == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "school_name parameter is required")
	}
	return rest.JSON(e, http.StatusOK, []any{})
}

func schools(e *core.RequestEvent) error {
	if err := orgaccess.RequireUser(e, orgaccess.SpeedAdmin); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, []string{})
}
