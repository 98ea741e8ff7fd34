package speedadmin_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/speedadmin"
)

func TestSpeedAdmin(t *testing.T) {
	w := itest.New(t, func(r *router.Router[*core.RequestEvent], _ *upstream.Deps) { speedadmin.Mount(r) })
	refused := `{"error":"Your organisation does not have access to SpeedAdmin API"}`
	anonymous := `{"detail":"Authentication credentials were not provided."}`
	for _, tc := range []struct {
		name, url, header string
		status            int
		want              string
	}{
		{"bookings", "/api/speedadmin?school_name=Musikskolen", w.Bearer(t, "alice"), 200, `[]`},
		{"schools", "/api/speedadmin/schools", w.Bearer(t, "alice"), 200, `[]`},
		{"schools, slashed", "/api/speedadmin/schools/", w.Bearer(t, "sam"), 200, `[]`},
		{"school_name required", "/api/speedadmin/", w.Bearer(t, "alice"), 400, `{"error":"school_name parameter is required"}`},
		{"access is checked first", "/api/speedadmin/", w.Bearer(t, "olga"), 403, refused},
		{"no grant", "/api/speedadmin/schools/", w.Bearer(t, "olga"), 403, refused},
		{"no membership", "/api/speedadmin/schools/", w.Bearer(t, "nomad"), 403, refused},
		{"primary membership decides", "/api/speedadmin/schools/", w.Bearer(t, "split"), 403, refused},
		{"primary membership grants", "/api/speedadmin/schools/", w.Bearer(t, "split2"), 200, `[]`},
		{"anonymous", "/api/speedadmin/schools/", "", 401, anonymous},
		// Screens are not let in, even with a granted organisation's key.
		{"screen key", "/api/speedadmin/schools/", w.Key("aarhus"), 401, anonymous},
		{"bad token", "/api/speedadmin/schools/", "Authorization: Bearer nope", 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itest.Expect(t, w.Get(t, tc.url, tc.header), tc.status, tc.want)
		})
	}
	itest.Expect(t, w.Do(t, http.MethodPost, "/api/speedadmin/", nil), 405, `{"detail":"Method \"POST\" not allowed."}`)
}
