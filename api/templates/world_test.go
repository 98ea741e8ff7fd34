package templates_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api/templates"
	"github.com/openstream-go/openstream/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/provision"
	"github.com/openstream-go/openstream/settings"
)

// world is a served app with organisations aarhus and odense (each with
// its provisioned Demo Suborg, Demo Branch, suborg admin and employee),
// alice (org_admin aarhus), ulla (org_user aarhus), olga (org_admin
// odense) and sam (super_admin).
type world struct {
	app                 *tests.TestApp
	h                   http.Handler
	org, suborg, branch map[string]string
	users               map[string]*core.Record
}

func newWorld(t testing.TB) *world {
	t.Helper()
	app := testapp.New(t)
	cfg := templates.Config{Settings: settings.FromEnv(func(string) string { return "" })}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		templates.Mount(se.Router, cfg)
		return se.Next()
	})
	w := &world{app: app, org: map[string]string{}, suborg: map[string]string{}, branch: map[string]string{}, users: map[string]*core.Record{}}
	for _, o := range [][2]string{{"Aarhus Kommune", "aarhus"}, {"Odense Kommune", "odense"}} {
		if _, err := provision.CreateOrganisation(app, o[0], o[1]); err != nil {
			t.Fatal(err)
		}
		b, err := app.FindFirstRecordByFilter(collections.Branches,
			"name = 'Demo Branch' && suborganisation.organisation.uri_name = {:u}", map[string]any{"u": o[1]})
		if err != nil {
			t.Fatal(err)
		}
		w.branch[o[1]], w.suborg[o[1]] = b.Id, b.GetString("suborganisation")
		w.org[o[1]] = w.record(t, collections.Suborganisations, w.suborg[o[1]]).GetString("organisation")
		for _, u := range []string{o[1] + "_suborg_admin", o[1] + "_employee"} {
			if w.users[u], err = app.FindFirstRecordByData(collections.Users, "username", u); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range [][3]string{{"alice", collections.RoleOrgAdmin, "aarhus"}, {"ulla", collections.RoleOrgUser, "aarhus"},
		{"olga", collections.RoleOrgAdmin, "odense"}, {"sam", collections.RoleSuperAdmin, "odense"}} {
		w.users[m[0]] = w.create(t, collections.Users, map[string]any{"username": m[0], "password": m[0] + "-password", "is_active": true})
		w.create(t, collections.Memberships, map[string]any{"user": w.users[m[0]].Id, "role": m[1], "organisation": w.org[m[2]]})
	}
	w.h = testapp.Handler(t, app)
	return w
}

// create saves a record with the collection's defaults and data.
func (w *world) create(t testing.TB, collection string, data map[string]any) *core.Record {
	t.Helper()
	r, err := collections.NewRecord(w.app, collection)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(data)
	if p, ok := data["password"].(string); ok {
		r.SetPassword(p)
	}
	if err := w.app.Save(r); err != nil {
		t.Fatalf("create %s: %v", collection, err)
	}
	return r
}

func (w *world) record(t testing.TB, collection, id string) *core.Record {
	t.Helper()
	r, err := w.app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) count(t testing.TB, collection string) int {
	t.Helper()
	n, err := w.app.CountRecords(collection)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends body (a string as raw JSON, else encoded JSON) as user ("" is
// anonymous), with extra "Name: value" headers.
func (w *world) do(t testing.TB, user, method, url string, body any, headers ...string) response {
	t.Helper()
	var reader io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
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
	if user != "" {
		u := w.record(t, collections.Users, w.users[user].Id)
		tok, err := authtoken.NewAccess(u, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// row is one request and what must come back: the exact body (want), or
// the exact keys of the object, or of every element of the array (keys).
type row struct {
	name         string
	user         string
	method, path string
	body         any
	headers      []string
	status       int
	want         string
	keys         []string
}

func (w *world) run(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := w.do(t, r.user, r.method, r.path, r.body, r.headers...)
			check(t, got, r.status, r.want, r.keys...)
		})
	}
}

// check compares status, the exact JSON body when want is set, and the
// key set of the object (or of each array element) when keys are given.
func check(t testing.TB, got response, status int, want string, keys ...string) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status %d, want %d: %s", got.status, status, got.body)
	}
	if status == http.StatusNoContent {
		return
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q: %s", ct, got.body)
	}
	var g any
	if err := json.Unmarshal(got.body, &g); err != nil {
		t.Fatalf("not JSON: %s", got.body)
	}
	if want != "" {
		var wv any
		if err := json.Unmarshal([]byte(want), &wv); err != nil {
			t.Fatalf("bad want %s", want)
		}
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(wv)
		if string(gb) != string(wb) {
			t.Fatalf("body\n got %s\nwant %s", gb, wb)
		}
	}
	if keys != nil {
		objs, ok := g.([]any)
		if !ok {
			objs = []any{g}
		}
		for _, o := range objs {
			m, _ := o.(map[string]any)
			if len(m) != len(keys) {
				t.Fatalf("keys of %s, want %v", got.body, keys)
			}
			for _, k := range keys {
				if _, ok := m[k]; !ok {
					t.Fatalf("no key %q in %s", k, got.body)
				}
			}
		}
	}
}

func decode[T any](t testing.TB, got response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(got.body, &v); err != nil {
		t.Fatalf("decode %s: %v", got.body, err)
	}
	return v
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
