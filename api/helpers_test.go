package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
)

// world is a served app with two organisations and users of every kind.
type world struct {
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
	app := testapp.New(t)
	cfg := api.Config{
		Settings: settings.FromEnv(func(k string) string {
			return map[string]string{
				"CORS_ALLOWED_ORIGINS":        "http://localhost:4173, https://cms.example.dk",
				"FRONTEND_PASSWORD_RESET_URL": "https://cms.example.dk/reset-password?lang=da",
				"FRONTDESK_API_KEY":           "frontdesk-secret",
				"CREATE_SCREEN_RATE":          "3",
			}[k]
		}),
		Tokens: authtoken.DefaultLifetimes,
	}
	w := &world{app: app, users: map[string]*core.Record{}, branch: map[string]string{}, suborg: map[string]string{}, now: fixedNow}
	cfg.Now = func() time.Time { return w.now }
	w.cfg = cfg
	api.Register(app, cfg)
	for _, org := range []struct{ name, uri string }{{"Aarhus Kommune", "aarhus"}, {"Odense Kommune", "odense"}} {
		if _, err := provision.CreateOrganisation(app, org.name, org.uri); err != nil {
			t.Fatal(err)
		}
		b, err := app.FindFirstRecordByFilter(collections.Branches, "name = 'Demo Branch' && suborganisation.organisation.uri_name = {:u}", map[string]any{"u": org.uri})
		if err != nil {
			t.Fatal(err)
		}
		w.branch[org.uri] = b.Id
		w.suborg[org.uri] = b.GetString("suborganisation")
	}
	org := func(uri string) string {
		r, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", uri)
		if err != nil {
			t.Fatal(err)
		}
		return r.Id
	}
	w.addUser(t, "alice", "alice@example.dk", "alice-password", true)
	w.member(t, "alice", collections.RoleOrgAdmin, org("aarhus"), "", "")
	w.addUser(t, "sam", "sam@example.dk", "sam-password", true)
	w.member(t, "sam", collections.RoleSuperAdmin, org("odense"), "", "")
	w.addUser(t, "olga", "olga@example.dk", "olga-password", true)
	w.member(t, "olga", collections.RoleOrgAdmin, org("odense"), "", "")
	w.addUser(t, "ulla", "", "ulla-password", true)
	w.member(t, "ulla", collections.RoleOrgUser, org("aarhus"), "", "")
	w.addUser(t, "ingrid", "ingrid@example.dk", "ingrid-password", false)
	for _, name := range []string{"aarhus_suborg_admin", "aarhus_employee"} {
		u, err := app.FindFirstRecordByData(collections.Users, "username", name)
		if err != nil {
			t.Fatal(err)
		}
		w.users[name] = u
	}
	w.h = testapp.Handler(t, app)
	return w
}

func (w *world) addUser(t testing.TB, username, email, password string, active bool) *core.Record {
	t.Helper()
	u, err := collections.NewRecord(w.app, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("username", username)
	u.SetEmail(email)
	u.SetPassword(password)
	u.Set("is_active", active)
	if err := w.app.Save(u); err != nil {
		t.Fatal(err)
	}
	w.users[username] = u
	return u
}

func (w *world) member(t testing.TB, username, role, org, suborg, branch string) {
	t.Helper()
	m, err := collections.NewRecord(w.app, collections.Memberships)
	if err != nil {
		t.Fatal(err)
	}
	m.Set("user", w.users[username].Id)
	m.Set("role", role)
	m.Set("organisation", org)
	m.Set("suborganisation", suborg)
	m.Set("branch", branch)
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
}

// reload returns the stored state of a user (its tokenKey changes on saves).
func (w *world) reload(t testing.TB, username string) *core.Record {
	t.Helper()
	u, err := w.app.FindRecordById(collections.Users, w.users[username].Id)
	if err != nil {
		t.Fatal(err)
	}
	w.users[username] = u
	return u
}

// bearer is an "Authorization" value with a fresh access token of username.
func (w *world) bearer(t testing.TB, username string) string {
	t.Helper()
	tok, err := authtoken.NewAccess(w.reload(t, username), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// rawBody is sent as it is with its own Content-Type.
type rawBody struct{ contentType, body string }

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// do sends body (a string is sent as is, anything else as JSON) with headers
// given as "Name: value" strings.
func (w *world) do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	var reader io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		reader, ct = strings.NewReader(b.body), b.contentType
	case string:
		reader, ct = strings.NewReader(b), "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader, ct = bytes.NewReader(raw), "application/json"
	}
	req := httptest.NewRequest(method, url, reader)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// expect checks status and, when want is not "", the exact JSON body.
func expect(t *testing.T, got response, status int, want string) {
	t.Helper()
	if got.Status != status {
		t.Fatalf("status %d, want %d; body %s", got.Status, status, got.Body)
	}
	if want == "" {
		return
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, got.Body)
	}
	var g, wnt any
	if err := json.Unmarshal(got.Body, &g); err != nil {
		t.Fatalf("body not JSON: %s", got.Body)
	}
	if err := json.Unmarshal([]byte(want), &wnt); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(wnt)
	if string(gb) != string(wb) {
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

// list decodes a JSON array of objects.
func (w *world) list(t testing.TB, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("not a JSON array: %s", r.Body)
	}
	return out
}
