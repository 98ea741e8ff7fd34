// Package itest builds what the integration tests share: a migrated app
// with two organisations, screens' keys, users of every kind, a movable
// clock, and helpers to call the served routes. Only tests import it.
package itest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/integrations/cache"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testclock"
)

// Start is where every test clock begins: a Tuesday, 10:30 in Copenhagen.
var Start = time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC)

// World is a served app. Organisation "aarhus" is granted winkas, kmd and
// speedadmin; "odense" has only a switched-off kmd grant. Its users:
//
//	alice   org_user of aarhus
//	olga    org_admin of odense
//	sam     super_admin (membership in odense)
//	nomad   no membership at all
//	split   odense (lower membership id), then aarhus: odense decides
//	split2  aarhus (lower membership id), then odense: aarhus decides
type World struct {
	App   *tests.TestApp
	Clock *testclock.Clock
	// Deps are the proxies' means (nil for Serve); tests may shorten the
	// timeout before sending requests.
	Deps *upstream.Deps
	// Keys are the screen keys of each organisation's Demo Branch.
	Keys  map[string]string
	Users map[string]*core.Record
	h     http.Handler
}

// Mount adds the routes under test.
type Mount func(r *router.Router[*core.RequestEvent], d *upstream.Deps)

// New serves mount on a fresh app, with an in-process cache on the world's
// clock, which starts at Start.
func New(t testing.TB, mount Mount) *World {
	t.Helper()
	clock := testclock.At(Start)
	deps := &upstream.Deps{
		Client:   &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		Timeout:  10 * time.Second,
		Cache:    cache.NewMemory(clock.Now),
		ErrorTTL: 30 * time.Second,
		Now:      clock.Now,
		Log:      func(msg string, args ...any) { t.Logf("%s %v", msg, args) },
	}
	w := Serve(t, clock, func(app core.App) {
		app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
			Id: "integrationsTest",
			Func: func(se *core.ServeEvent) error {
				mount(se.Router, deps)
				return se.Next()
			},
		})
	})
	w.Deps = deps
	return w
}

// Serve builds the world's app, lets register bind its routes (as
// integrations.Register does) and serves it. Deps stays nil.
func Serve(t testing.TB, clock *testclock.Clock, register func(app core.App)) *World {
	t.Helper()
	app := testapp.New(t)
	w := &World{App: app, Clock: clock, Keys: map[string]string{}, Users: map[string]*core.Record{}}
	orgs := map[string]string{}
	for _, o := range []struct{ name, uri string }{{"Aarhus Kommune", "aarhus"}, {"Odense Kommune", "odense"}} {
		if _, err := provision.CreateOrganisation(app, o.name, o.uri); err != nil {
			t.Fatal(err)
		}
		org, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", o.uri)
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.uri] = org.Id
		b, err := app.FindFirstRecordByFilter(collections.Branches, "name = 'Demo Branch' && suborganisation.organisation = {:o}", map[string]any{"o": org.Id})
		if err != nil {
			t.Fatal(err)
		}
		key, err := apikey.ForBranch(app, b.Id)
		if err != nil {
			t.Fatal(err)
		}
		w.Keys[o.uri] = key.GetString("key")
	}
	for _, api := range collections.IntegrationNames {
		w.Grant(t, orgs["aarhus"], api, true)
	}
	w.Grant(t, orgs["odense"], "kmd", false)

	w.user(t, "alice", "", collections.RoleOrgUser, orgs["aarhus"])
	w.user(t, "olga", "", collections.RoleOrgAdmin, orgs["odense"])
	w.user(t, "sam", "", collections.RoleSuperAdmin, orgs["odense"])
	w.user(t, "nomad", "", "", "")
	// Fixed membership ids put the first membership first.
	w.user(t, "split", "100000000000001", collections.RoleOrgUser, orgs["odense"])
	w.member(t, "split", "900000000000001", collections.RoleOrgUser, orgs["aarhus"])
	w.user(t, "split2", "100000000000002", collections.RoleOrgUser, orgs["aarhus"])
	w.member(t, "split2", "900000000000002", collections.RoleOrgUser, orgs["odense"])

	register(app)
	w.h = testapp.Handler(t, app)
	return w
}

// Grant gives (or, with active false, records a switched-off) API access.
func (w *World) Grant(t testing.TB, orgID, api string, active bool) {
	t.Helper()
	r, err := collections.NewRecord(w.App, collections.OrganisationAPIAccess)
	if err != nil {
		t.Fatal(err)
	}
	r.Set("organisation", orgID)
	r.Set("api_name", api)
	r.Set("is_active", active)
	if err := w.App.Save(r); err != nil {
		t.Fatal(err)
	}
}

func (w *World) user(t testing.TB, name, membershipID, role, org string) {
	t.Helper()
	u, err := collections.NewRecord(w.App, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("username", name)
	u.SetPassword(name + "-password")
	u.Set("is_active", true)
	if err := w.App.Save(u); err != nil {
		t.Fatal(err)
	}
	w.Users[name] = u
	if role != "" {
		w.member(t, name, membershipID, role, org)
	}
}

func (w *World) member(t testing.TB, name, id, role, org string) {
	t.Helper()
	m, err := collections.NewRecord(w.App, collections.Memberships)
	if err != nil {
		t.Fatal(err)
	}
	if id != "" {
		m.Id = id
	}
	m.Set("user", w.Users[name].Id)
	m.Set("role", role)
	m.Set("organisation", org)
	if err := w.App.Save(m); err != nil {
		t.Fatal(err)
	}
}

// Bearer is an Authorization header with a fresh access token of name.
func (w *World) Bearer(t testing.TB, name string) string {
	t.Helper()
	tok, err := authtoken.NewAccess(w.Users[name], time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: Bearer " + tok
}

// Key is an X-API-KEY header with the screen key of org.
func (w *World) Key(org string) string { return "X-API-KEY: " + w.Keys[org] }

// Response is a recorded answer (apitest's).
type Response = apitest.Response

// Do sends body (nil: none; string or []byte: sent as is; else as JSON)
// with headers given as "Name: value".
func (w *World) Do(t testing.TB, method, url string, body any, headers ...string) Response {
	t.Helper()
	return apitest.Send(t, w.h, method, url, body, headers...)
}

// Get is Do for a GET without a body.
func (w *World) Get(t testing.TB, url string, headers ...string) Response {
	t.Helper()
	return w.Do(t, http.MethodGet, url, nil, headers...)
}

// Expect is apitest.Expect with the Content-Type exactly
// "application/json" when want is set.
func Expect(t testing.TB, got Response, status int, want string) {
	t.Helper()
	apitest.Expect(t, got, status, want)
	if ct := got.Header.Get("Content-Type"); want != "" && ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

// Hanging is a server that never answers until the test ends: calls to it
// run into their timeout.
func Hanging(t testing.TB) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// Counter counts calls to a fake upstream.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Inc records a call.
func (c *Counter) Inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// N is the number of calls so far.
func (c *Counter) N() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
