// Package apitest holds the test setup the OpenStream handler packages
// share: two organisations with users of every role, record creation,
// bearer tokens and the DRF-style response checks.
package apitest

import (
	"encoding/json"
	"net/http"
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
func Check(t testing.TB, gotStatus int, header http.Header, body []byte, status int, want string, keys ...string) {
	t.Helper()
	if gotStatus != status {
		t.Fatalf("status %d, want %d: %s", gotStatus, status, body)
	}
	if status == http.StatusNoContent {
		return
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q: %s", ct, body)
	}
	var g any
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatalf("not JSON: %s", body)
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
			t.Fatalf("keys of %s, want %v", body, keys)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Fatalf("no key %q in %s", k, body)
			}
		}
	}
}

// Decode unmarshals a JSON body into T.
func Decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}
