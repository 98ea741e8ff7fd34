// Package apitest is the scenario harness of the OpenStream handler tests:
// two organisations with users of every role (Tenants), a served app
// holding them (World) that requests are sent to as any user, table tests
// of requests (Row, Run), multipart bodies, and the DRF-style answer
// checks (Check, Expect, Decode).
package apitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
)

// Tenants are organisations aarhus and odense (each with its provisioned
// Demo Suborg, Demo Branch, suborg admin and employee), and alice
// (org_admin aarhus), ulla (org_user aarhus), olga (org_admin odense) and
// sam (super_admin). Maps are keyed by uri_name or username.
type Tenants struct {
	Org, Suborg, Branch map[string]string
	Users               map[string]*core.Record
}

// NewTenants provisions the tenants in app.
func NewTenants(t testing.TB, app core.App) Tenants {
	t.Helper()
	w := Tenants{Org: map[string]string{}, Suborg: map[string]string{}, Branch: map[string]string{}, Users: map[string]*core.Record{}}
	for _, o := range [][2]string{{"Aarhus Kommune", "aarhus"}, {"Odense Kommune", "odense"}} {
		if _, err := provision.CreateOrganisation(app, o[0], o[1]); err != nil {
			t.Fatal(err)
		}
		b, err := app.FindFirstRecordByFilter(collections.Branches,
			"name = 'Demo Branch' && suborganisation.organisation.uri_name = {:u}", map[string]any{"u": o[1]})
		if err != nil {
			t.Fatal(err)
		}
		w.Branch[o[1]], w.Suborg[o[1]] = b.Id, b.GetString("suborganisation")
		s, err := app.FindRecordById(collections.Suborganisations, w.Suborg[o[1]])
		if err != nil {
			t.Fatal(err)
		}
		w.Org[o[1]] = s.GetString("organisation")
		for _, u := range []string{o[1] + "_suborg_admin", o[1] + "_employee"} {
			if w.Users[u], err = app.FindFirstRecordByData(collections.Users, "username", u); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range [][3]string{{"alice", collections.RoleOrgAdmin, "aarhus"}, {"ulla", collections.RoleOrgUser, "aarhus"},
		{"olga", collections.RoleOrgAdmin, "odense"}, {"sam", collections.RoleSuperAdmin, "odense"}} {
		w.Users[m[0]] = Create(t, app, collections.Users, map[string]any{"username": m[0], "password": m[0] + "-password", "is_active": true})
		Create(t, app, collections.Memberships, map[string]any{"user": w.Users[m[0]].Id, "role": m[1], "organisation": w.Org[m[2]]})
	}
	return w
}

// Create saves a record with the collection's defaults and data (a
// "password" value is set as the password).
func Create(t testing.TB, app core.App, collection string, data map[string]any) *core.Record {
	t.Helper()
	r, err := collections.NewRecord(app, collection)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(data)
	if p, ok := data["password"].(string); ok {
		r.SetPassword(p)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("create %s: %v", collection, err)
	}
	return r
}

// Bearer is an Authorization value with a fresh access token of the
// user's stored state (its token key changes on saves).
func Bearer(t testing.TB, app core.App, userID string) string {
	t.Helper()
	u, err := app.FindRecordById(collections.Users, userID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := authtoken.NewAccess(u, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// Check compares an answer's status, its exact JSON body when want is set,
// and the key set of the object (or of each array element) when keys are
// given. Every answer but a 204 must be JSON.
func Check(t testing.TB, got Response, status int, want string, keys ...string) {
	t.Helper()
	if got.Status != status {
		t.Fatalf("status %d, want %d: %s", got.Status, status, got.Body)
	}
	if status == http.StatusNoContent {
		return
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q: %s", ct, got.Body)
	}
	var g any
	if err := json.Unmarshal(got.Body, &g); err != nil {
		t.Fatalf("not JSON: %s", got.Body)
	}
	if want != "" && !SameJSON(got.Body, []byte(want)) {
		t.Fatalf("body\n got %s\nwant %s", got.Body, want)
	}
	if keys == nil {
		return
	}
	objs, ok := g.([]any)
	if !ok {
		objs = []any{g}
	}
	for _, o := range objs {
		m, _ := o.(map[string]any)
		if len(m) != len(keys) {
			t.Fatalf("keys of %s, want %v", got.Body, keys)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Fatalf("no key %q in %s", k, got.Body)
			}
		}
	}
}

// Expect checks the status and, when want is not "", that the answer is
// JSON (any application/json type) with exactly want's value.
func Expect(t testing.TB, got Response, status int, want string) {
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
	if !SameJSON(got.Body, []byte(want)) {
		t.Fatalf("body\n got %s\nwant %s", got.Body, want)
	}
}

// SameJSON reports whether a and b are the same JSON value (a body that is
// not JSON is nobody's).
func SameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ra, _ := json.Marshal(x)
	rb, _ := json.Marshal(y)
	return bytes.Equal(ra, rb)
}

// Decode unmarshals an answer's JSON body into T.
func Decode[T any](t testing.TB, got Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(got.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", got.Body, err)
	}
	return v
}
