package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/settings"
)

// world is apitest's served app with the whole API: the Tenants (alice,
// sam and olga with e-mail addresses) and ingrid, who is inactive. The
// lower-case names are the package's own spellings of apitest's.
type world struct {
	*apitest.World
	app   *tests.TestApp
	h     http.Handler
	cfg   api.Config
	users map[string]*core.Record
	// branch and suborg ids by name: "aarhus" and "odense" demo trees.
	branch, suborg map[string]string
	// now is the API's clock; tests move it.
	now time.Time
}

var fixedNow = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // 03:30 CEST, just after the spring change

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{now: fixedNow}
	w.cfg = api.Config{
		Settings: settings.FromEnv(func(k string) string {
			return map[string]string{
				"CORS_ALLOWED_ORIGINS":        "http://localhost:4173, https://cms.example.dk",
				"FRONTEND_PASSWORD_RESET_URL": "https://cms.example.dk/reset-password?lang=da",
				"FRONTDESK_API_KEY":           "frontdesk-secret",
				"CREATE_SCREEN_RATE":          "3",
			}[k]
		}),
		Tokens: authtoken.DefaultLifetimes,
		Now:    func() time.Time { return w.now },
	}
	w.World = apitest.NewWorld(t, func(app *tests.TestApp) { api.Register(app, w.cfg) })
	w.app, w.h, w.users, w.branch, w.suborg = w.App, w.Handler, w.Users, w.Branch, w.Suborg
	for _, name := range []string{"alice", "sam", "olga"} {
		u := w.Users[name]
		u.SetEmail(name + "@example.dk")
		if err := w.app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	w.addUser(t, "ingrid", "ingrid@example.dk", "ingrid-password", false)
	return w
}

func (w *world) addUser(t testing.TB, username, email, password string, active bool) *core.Record {
	t.Helper()
	u := apitest.Create(t, w.app, collections.Users, map[string]any{"username": username, "email": email, "password": password, "is_active": active})
	w.users[username] = u
	return u
}

func (w *world) member(t testing.TB, username, role, org, suborg, branch string) {
	t.Helper()
	apitest.Create(t, w.app, collections.Memberships, map[string]any{
		"user": w.users[username].Id, "role": role, "organisation": org, "suborganisation": suborg, "branch": branch,
	})
}

// reload returns the stored state of a user (its tokenKey changes on saves).
func (w *world) reload(t testing.TB, username string) *core.Record {
	t.Helper()
	w.users[username] = w.Record(t, collections.Users, w.users[username].Id)
	return w.users[username]
}

// bearer is an "Authorization" value with a fresh access token of username.
func (w *world) bearer(t testing.TB, username string) string {
	t.Helper()
	return apitest.Bearer(t, w.app, w.reload(t, username).Id)
}

// rawBody is sent as it is with its own Content-Type.
type rawBody struct{ contentType, body string }

// response is apitest's, with json for the package's tests.
type response apitest.Response

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	return apitest.Response(r).JSON(t)
}

// do sends body (a string is sent as is, anything else as JSON) with headers
// given as "Name: value" strings; the caller signs in with a header.
func (w *world) do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	if b, ok := body.(rawBody); ok {
		body = apitest.Raw{ContentType: b.contentType, Body: b.body}
	}
	return response(w.Do(t, "", method, url, body, headers...))
}

// expect checks status and, when want is not "", the exact JSON body.
func expect(t *testing.T, got response, status int, want string) {
	t.Helper()
	apitest.Expect(t, apitest.Response(got), status, want)
}

// list decodes a JSON array of objects.
func (w *world) list(t testing.TB, r response) []map[string]any {
	t.Helper()
	return apitest.Decode[[]map[string]any](t, apitest.Response(r))
}
