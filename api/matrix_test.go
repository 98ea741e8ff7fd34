package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// The permission matrix (the "who" column of each endpoint in docs/api.md,
// upstream's holes closed, and the rules table of its "PocketBase's own API"),
// one row per operation, run twice: on the OpenStream API and on PocketBase's
// own API for the same collection and operation. Both faces must agree
// with the row and so with each other.

// matrixRoles are the columns: who asks, in the aarhus world (O = aarhus,
// S = Demo Suborg, B = Demo Branch).
var matrixRoles = []string{"sam", "alice", "aarhus_suborg_admin", "aarhus_employee", "ulla"}

type request struct {
	method, path string
	body         any
}

type matrixRow struct {
	name string
	// setup makes what the row acts on (fresh per attempt when it mutates)
	// and returns both faces' requests; pb is nil without a counterpart.
	setup func(t *testing.T, w *world, attempt string) (api request, pb *request)
	// allowed per matrixRoles; for list rows, the number of records seen.
	allowed [5]bool
	seen    *[5]int
}

func counts(c ...int) *[5]int { a := [5]int(c); return &a }

func matrixRows(id map[string]string) []matrixRow {
	rec := func(c, rid string) string { return "/api/collections/" + c + "/records/" + rid }
	recs := func(c, filter string) string {
		return "/api/collections/" + c + "/records?perPage=500&filter=" + url.QueryEscape(filter)
	}
	same := func(r request, pb request) func(*testing.T, *world, string) (request, *request) {
		return func(*testing.T, *world, string) (request, *request) { return r, &pb }
	}
	return []matrixRow{
		{name: "list organisations", setup: same(request{"GET", "/api/organisations/", nil}, request{"GET", recs(collections.Organisations, ""), nil}),
			seen: counts(2, 1, 1, 1, 1)},
		{name: "organisation name", allowed: [5]bool{true, true, true, true, true},
			setup: same(request{"GET", "/api/organisations/aarhus/name/", nil}, request{"GET", rec(collections.Organisations, id["aarhus"]), nil})},
		{name: "create suborganisation", allowed: [5]bool{true, true, false, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/suborganisations/", map[string]any{"organisation_id": "aarhus", "name": "S-api-" + a}},
					&request{"POST", "/api/collections/suborganisations/records", map[string]any{"organisation": id["aarhus"], "name": "S-pb-" + a}}
			}},
		{name: "rename suborganisation", allowed: [5]bool{true, true, true, false, false},
			setup: same(request{"PATCH", "/api/suborganisations/" + id["aarhus_suborg"] + "/", map[string]any{"name": "Demo Suborg"}},
				request{"PATCH", rec(collections.Suborganisations, id["aarhus_suborg"]), map[string]any{"name": "Demo Suborg"}})},
		{name: "delete suborganisation", allowed: [5]bool{true, true, false, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				s1, s2 := w.record(t, collections.Suborganisations, map[string]any{"organisation": id["aarhus"], "name": "tmp1-" + a}),
					w.record(t, collections.Suborganisations, map[string]any{"organisation": id["aarhus"], "name": "tmp2-" + a})
				// The suborg admin of S administers the throwaway suborgs too,
				// so a refusal is about the role, not the scope.
				w.member(t, "aarhus_suborg_admin", collections.RoleSuborgAdmin, id["aarhus"], s1, "")
				w.member(t, "aarhus_suborg_admin", collections.RoleSuborgAdmin, id["aarhus"], s2, "")
				return request{"DELETE", "/api/suborganisations/" + s1 + "/", nil}, &request{"DELETE", rec(collections.Suborganisations, s2), nil}
			}},
		{name: "branches of S", setup: same(request{"GET", "/api/branches/?suborg_id=" + id["aarhus_suborg"], nil},
			request{"GET", recs(collections.Branches, "suborganisation = '"+id["aarhus_suborg"]+"'"), nil}),
			seen: counts(1, 1, 1, 1, 0)},
		{name: "branches of B's organisation", setup: same(request{"GET", "/api/branches/?branch_id=" + id["aarhus_branch"], nil},
			request{"GET", recs(collections.Branches, "suborganisation.organisation = '"+id["aarhus"]+"'"), nil}),
			seen: counts(2, 2, 1, 1, 0)},
		{name: "create branch", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/branches/?suborg_id=" + id["aarhus_suborg"], map[string]any{"name": "B-api-" + a}},
					&request{"POST", "/api/collections/branches/records", map[string]any{"suborganisation": id["aarhus_suborg"], "name": "B-pb-" + a}}
			}},
		{name: "rename branch", allowed: [5]bool{true, true, true, false, false},
			setup: same(request{"PATCH", "/api/branches/" + id["aarhus_branch"] + "/", map[string]any{"name": "Demo Branch"}},
				request{"PATCH", rec(collections.Branches, id["aarhus_branch"]), map[string]any{"name": "Demo Branch"}})},
		{name: "delete branch", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				b1 := w.record(t, collections.Branches, map[string]any{"suborganisation": id["aarhus_suborg"], "name": "tmp1-" + a})
				b2 := w.record(t, collections.Branches, map[string]any{"suborganisation": id["aarhus_suborg"], "name": "tmp2-" + a})
				return request{"DELETE", "/api/branches/" + b1 + "/", nil}, &request{"DELETE", rec(collections.Branches, b2), nil}
			}},
		{name: "branch name", allowed: [5]bool{true, true, true, true, false},
			setup: same(request{"GET", "/api/branches/" + id["aarhus_branch"] + "/name/", nil}, request{"GET", rec(collections.Branches, id["aarhus_branch"]), nil})},
		{name: "branch API key", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				key, err := w.app.FindFirstRecordByData(collections.BranchAPIKeys, "branch", id["aarhus_branch"])
				if err != nil {
					t.Fatal(err)
				}
				return request{"GET", "/api/branch-api-key?branch_id=" + id["aarhus_branch"], nil}, &request{"GET", rec(collections.BranchAPIKeys, key.Id), nil}
			}},
		{name: "create user", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/users/", map[string]any{"username": "api-" + a, "email": "api-" + a + "@example.dk", "password": "password-" + a}},
					&request{"POST", "/api/collections/users/records", map[string]any{"username": "pb-" + a, "email": "pb-" + a + "@example.dk", "password": "password-" + a, "passwordConfirm": "password-" + a}}
			}},
		{name: "grant employee on B", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				u1 := w.addUser(t, "m1-"+a, "", "password-1", true).Id
				u2 := w.addUser(t, "m2-"+a, "", "password-1", true).Id
				body := func(u string) map[string]any {
					return map[string]any{"user": u, "role": "employee", "organisation": id["aarhus"], "suborganisation": id["aarhus_suborg"], "branch": id["aarhus_branch"]}
				}
				return request{"POST", "/api/memberships/", body(u1)}, &request{"POST", "/api/collections/memberships/records", body(u2)}
			}},
		{name: "revoke employee on B", allowed: [5]bool{true, true, true, false, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				ids := [2]string{}
				for i := range ids {
					u := w.addUser(t, fmt.Sprintf("r%d-%s", i, a), "", "password-1", true).Id
					ids[i] = w.record(t, collections.Memberships, map[string]any{"user": u, "role": "employee", "organisation": id["aarhus"], "suborganisation": id["aarhus_suborg"], "branch": id["aarhus_branch"]})
				}
				return request{"DELETE", "/api/memberships/" + ids[0] + "/", nil}, &request{"DELETE", rec(collections.Memberships, ids[1]), nil}
			}},
		// Branch content: who can access B, on both faces.
		{name: "screens of B", setup: same(request{"GET", "/api/display-websites/?branch_id=" + id["aarhus_branch"], nil},
			request{"GET", recs(collections.DisplayWebsites, "branch = '"+id["aarhus_branch"]+"'"), nil}),
			seen: counts(1, 1, 1, 1, 0)},
		{name: "create screen on B", allowed: [5]bool{true, true, true, true, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/display-websites/?branch_id=" + id["aarhus_branch"], map[string]any{"name": "api-" + a}},
					&request{"POST", "/api/collections/display_websites/records", map[string]any{"name": "pb-" + a, "branch": id["aarhus_branch"]}}
			}},
		{name: "create slideshow on B", allowed: [5]bool{true, true, true, true, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/manage_content/?branch_id=" + id["aarhus_branch"], map[string]any{"name": "api-" + a}},
					&request{"POST", "/api/collections/slideshows/records", map[string]any{"name": "pb-" + a, "branch": id["aarhus_branch"]}}
			}},
		{name: "schedule on B's group", allowed: [5]bool{true, true, true, true, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				// Combine rows may overlap, so every attempt can use the same window.
				api := map[string]any{"display_website_group": id["group"], "slideshow_id": id["slideshow"], "combine_with_default": true,
					"start_time": "2026-05-01T10:00:00Z", "end_time": "2026-05-01T11:00:00Z"}
				pb := map[string]any{"display_website_group": id["group"], "slideshow": id["slideshow"], "combine_with_default": true,
					"start_time": "2026-05-01 10:00:00Z", "end_time": "2026-05-01 11:00:00Z"}
				return request{"POST", "/api/scheduled-contents/", api}, &request{"POST", "/api/collections/scheduled_contents/records", pb}
			}},
		{name: "emergency on B's group", allowed: [5]bool{true, true, true, true, false},
			setup: func(t *testing.T, w *world, a string) (request, *request) {
				return request{"POST", "/api/emergency-slideshows/", map[string]any{"slideshow_id": id["slideshow"], "display_website_group_ids": []any{id["group"]}}},
					&request{"POST", "/api/collections/emergency_slideshows/records", map[string]any{"slideshow": id["slideshow"], "display_website_groups": []any{id["group"]}}}
			}},
	}
}

func (w *world) record(t testing.TB, collection string, fields map[string]any) string {
	t.Helper()
	r, err := collections.NewRecord(w.app, collection)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := w.app.Save(r); err != nil {
		t.Fatalf("%s: %v", collection, err)
	}
	return r.Id
}

func TestPermissionMatrix(t *testing.T) {
	w := newWorld(t)
	id := w.ids(t)
	for k, v := range w.signage(t, "aarhus").ids("") {
		id[k] = v
	}
	rows := matrixRows(id)
	checks := 0
	for _, r := range rows {
		for i, user := range matrixRoles {
			attempt := fmt.Sprintf("%d-%d", len(r.name), i) + user
			apiReq, pbReq := r.setup(t, w, attempt)
			faces := []struct {
				face string
				req  *request
			}{{"openstream", &apiReq}, {"pocketbase", pbReq}}
			for _, f := range faces {
				if f.req == nil {
					continue
				}
				checks++
				name := r.name + "/" + user + "/" + f.face
				auth := "Authorization: " + w.bearer(t, user)
				got := w.do(t, f.req.method, f.req.path, f.req.body, auth)
				if r.seen != nil {
					n := 0
					if got.Status == 200 {
						if f.face == "pocketbase" {
							items, _ := got.json(t)["items"].([]any)
							n = len(items)
						} else {
							n = len(w.list(t, got))
						}
					}
					if n != r.seen[i] {
						t.Errorf("%s: sees %d, want %d (%d %s)", name, n, r.seen[i], got.Status, got.Body)
					}
					continue
				}
				allowed := got.Status >= 200 && got.Status < 300
				if allowed != r.allowed[i] {
					t.Errorf("%s: status %d, want allowed=%v: %s", name, got.Status, r.allowed[i], got.Body)
				}
				if !allowed && got.Status >= 500 {
					t.Errorf("%s: %d", name, got.Status)
				}
			}
		}
	}
	t.Logf("permission matrix: %d rows × %d roles, %d checks over both API faces", len(rows), len(matrixRoles), checks)
}
