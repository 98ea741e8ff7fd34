package orgaccess_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/orgaccess"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// mount serves one route per rule and integration: /t/<rule>/<api>.
func mount(r *router.Router[*core.RequestEvent], _ *upstream.Deps) {
	for _, in := range []orgaccess.Integration{orgaccess.WinKAS, orgaccess.KMD, orgaccess.SpeedAdmin} {
		rest.Route(r, "/t/key-or-user/"+in.Name+"/", rest.Methods{http.MethodGet: func(e *core.RequestEvent) error {
			if err := orgaccess.RequireKeyOrUser(e, in); err != nil {
				return err
			}
			return rest.JSON(e, http.StatusOK, "ok")
		}})
		rest.Route(r, "/t/user/"+in.Name+"/", rest.Methods{http.MethodGet: func(e *core.RequestEvent) error {
			if err := orgaccess.RequireUser(e, in); err != nil {
				return err
			}
			return rest.JSON(e, http.StatusOK, "ok")
		}})
	}
}

func TestRules(t *testing.T) {
	w := itest.New(t, mount)
	const (
		ok        = `"ok"`
		anonymous = `{"detail":"Authentication credentials were not provided."}`
		badKey    = `{"error":"Invalid or inactive API key."}`
		noWinKAS  = `{"error":"Your organisation does not have access to WinKAS API"}`
		noKMD     = `{"error":"Your organisation does not have access to KMD API"}`
	)
	for _, tc := range []struct {
		name, path string
		headers    []string
		status     int
		want       string
	}{
		{"anonymous", "/t/key-or-user/winkas/", nil, 401, anonymous},
		{"broken token", "/t/key-or-user/winkas/", []string{"Authorization: Bearer nope"}, 401, ""},
		{"granted key", "/t/key-or-user/winkas/", []string{w.Key("aarhus")}, 200, ok},
		{"key of an organisation without the grant", "/t/key-or-user/winkas/", []string{w.Key("odense")}, 403, noWinKAS},
		{"key of an organisation with a switched-off grant", "/t/key-or-user/kmd/", []string{w.Key("odense")}, 403, noKMD},
		{"unknown key", "/t/key-or-user/kmd/", []string{"X-API-KEY: 0b0e7c4c-1111-4222-8333-444455556666"}, 403, badKey},
		{"malformed key", "/t/key-or-user/kmd/", []string{"X-API-KEY: not-a-uuid"}, 403, badKey},
		{"key in upper case", "/t/key-or-user/kmd/", []string{"X-API-KEY: " + strings.ToUpper(w.Keys["aarhus"])}, 200, ok},
		{"the key decides, not the token", "/t/key-or-user/winkas/", []string{w.Key("odense"), w.Bearer(t, "alice")}, 403, noWinKAS},
		{"a key with a broken token", "/t/key-or-user/winkas/", []string{w.Key("aarhus"), "Authorization: Bearer null"}, 200, ok},
		{"user of a granted organisation", "/t/key-or-user/kmd/", []string{w.Bearer(t, "alice")}, 200, ok},
		{"user of an organisation without access", "/t/key-or-user/kmd/", []string{w.Bearer(t, "olga")}, 403, noKMD},
		{"super admin", "/t/key-or-user/winkas/", []string{w.Bearer(t, "sam")}, 200, ok},
		{"user without membership", "/t/key-or-user/winkas/", []string{w.Bearer(t, "nomad")}, 403, noWinKAS},
		{"lowest membership id decides (refused)", "/t/key-or-user/winkas/", []string{w.Bearer(t, "split")}, 403, noWinKAS},
		{"lowest membership id decides (granted)", "/t/key-or-user/winkas/", []string{w.Bearer(t, "split2")}, 200, ok},
		{"users only: a key is no user", "/t/user/speedadmin/", []string{w.Key("aarhus")}, 401, anonymous},
		{"users only: granted user", "/t/user/speedadmin/", []string{w.Bearer(t, "alice"), w.Key("odense")}, 200, ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itest.Expect(t, w.Get(t, tc.path, tc.headers...), tc.status, tc.want)
		})
	}
}

// Grants and keys are read on every request: a change applies at once.
func TestChangesApplyAtOnce(t *testing.T) {
	w := itest.New(t, mount)
	odense, err := w.App.FindFirstRecordByData(collections.Organisations, "uri_name", "odense")
	if err != nil {
		t.Fatal(err)
	}
	itest.Expect(t, w.Get(t, "/t/key-or-user/winkas/", w.Key("odense")), 403, "")
	w.Grant(t, odense.Id, "winkas", true)
	itest.Expect(t, w.Get(t, "/t/key-or-user/winkas/", w.Key("odense")), 200, "")
	itest.Expect(t, w.Get(t, "/t/key-or-user/winkas/", w.Bearer(t, "olga")), 200, "")

	key, err := apikey.Resolve(w.App, w.Keys["odense"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.SetActive(w.App, key.GetString("branch"), false); err != nil {
		t.Fatal(err)
	}
	itest.Expect(t, w.Get(t, "/t/key-or-user/winkas/", w.Key("odense")), 403, `{"error":"Invalid or inactive API key."}`)
}
