package api_test

import (
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// row is one request of a table test: who asks what, and the exact answer.
type row struct {
	name, user, method, path string
	body                     any
	status                   int
	want                     string
}

func (w *world) run(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var headers []string
			if r.user != "" {
				headers = append(headers, "Authorization: "+w.bearer(t, r.user))
			}
			expect(t, w.do(t, r.method, r.path, r.body, headers...), r.status, r.want)
		})
	}
}

// ids returns the record ids the world's names stand for.
func (w *world) ids(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"aarhus_branch": w.branch["aarhus"], "aarhus_suborg": w.suborg["aarhus"], "odense_branch": w.branch["odense"], "odense_suborg": w.suborg["odense"]}
	for _, uri := range []string{"aarhus", "odense"} {
		org, err := w.app.FindFirstRecordByData(collections.Organisations, "uri_name", uri)
		if err != nil {
			t.Fatal(err)
		}
		out[uri] = org.Id
		global, err := w.app.FindFirstRecordByFilter(collections.Suborganisations, "name = 'Global' && organisation = {:o}", map[string]any{"o": org.Id})
		if err != nil {
			t.Fatal(err)
		}
		out[uri+"_global"] = global.Id
		gb, err := w.app.FindFirstRecordByData(collections.Branches, "suborganisation", global.Id)
		if err != nil {
			t.Fatal(err)
		}
		out[uri+"_global_branch"] = gb.Id
	}
	for name, u := range w.users {
		out[name] = u.Id
	}
	return out
}

func TestOrganisationEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	aarhus := `{"id":` + id["aarhus"] + `,"name":"Aarhus Kommune","uri_name":"aarhus"}`
	odense := `{"id":` + id["odense"] + `,"name":"Odense Kommune","uri_name":"odense"}`
	w.run(t, []row{
		{"orgs: org admin sees own", "alice", "GET", "/api/organisations/", nil, 200, `[` + aarhus + `]`},
		{"orgs: super sees all, by name", "sam", "GET", "/api/organisations/", nil, 200, `[` + aarhus + `,` + odense + `]`},
		{"orgs: employee", "aarhus_employee", "GET", "/api/organisations", nil, 200, `[` + aarhus + `]`},
		{"orgs: no memberships", "ingrid", "GET", "/api/organisations/", nil, 401, ""},
		{"orgs: anonymous", "", "GET", "/api/organisations/", nil, 401, `{"detail":"Authentication credentials were not provided."}`},
		{"org name by slug", "ulla", "GET", "/api/organisations/aarhus/name/", nil, 200, `{"name":"Aarhus Kommune"}`},
		{"org name by id", "ulla", "GET", "/api/organisations/" + id["aarhus"] + "/name/", nil, 200, `{"name":"Aarhus Kommune"}`},
		{"org name by name", "ulla", "GET", "/api/organisations/Aarhus%20Kommune/name/", nil, 200, `{"name":"Aarhus Kommune"}`},
		{"org name, other org", "ulla", "GET", "/api/organisations/odense/name/", nil, 403, `{"detail":"Not allowed."}`},
		{"org name, unknown", "ulla", "GET", "/api/organisations/nowhere/name/", nil, 404, `{"detail":"Organization not found."}`},
	})
}

func TestSuborganisationEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	demo := `{"id":` + id["aarhus_suborg"] + `,"name":"Demo Suborg","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"}`
	global := `{"id":` + id["aarhus_global"] + `,"name":"Global","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"}`
	sub := "/api/suborganisations/" + id["aarhus_suborg"] + "/"
	w.run(t, []row{
		{"list: org admin sees all", "alice", "GET", "/api/suborganisations/?org_id=aarhus", nil, 200, `[` + demo + `,` + global + `]`}, // by name; upstream had no order
		{"list: suborg admin sees own", "aarhus_suborg_admin", "GET", "/api/suborganisations/?org_id=aarhus", nil, 200, `[` + demo + `]`},
		{"list: employee gets nothing", "aarhus_employee", "GET", "/api/suborganisations/?org_id=aarhus", nil, 200, `[]`},
		{"list: other org admin gets nothing", "olga", "GET", "/api/suborganisations/?org_id=aarhus", nil, 200, `[]`},
		{"list: no org_id", "alice", "GET", "/api/suborganisations/", nil, 400, `{"error":"Please provide an 'org_id' query parameter."}`},
		{"list: unknown org", "alice", "GET", "/api/suborganisations/?org_id=nowhere", nil, 404, `{"error":"Organisation 'nowhere' not found."}`},
		{"create: missing", "alice", "POST", "/api/suborganisations/", map[string]any{}, 400, `{"name":["This field is required."],"organisation_id":["This field is required."]}`},
		{"create: unknown org", "alice", "POST", "/api/suborganisations/", map[string]any{"organisation_id": "nowhere", "name": "X"}, 400, `{"organisation_id":["Organisation not found for the supplied identifier."]}`},
		{"create: not admin", "aarhus_suborg_admin", "POST", "/api/suborganisations/", map[string]any{"organisation_id": "aarhus", "name": "X"}, 403, `{"error":"You must be org_admin for this organisation or super_admin."}`},
		{"create: other org", "alice", "POST", "/api/suborganisations/", map[string]any{"organisation_id": "odense", "name": "X"}, 403, `{"error":"You must be org_admin for this organisation or super_admin."}`},
		{"create: too long", "alice", "POST", "/api/suborganisations/", map[string]any{"organisation_id": "aarhus", "name": string(make([]byte, 256))}, 400, ""},
		{"get: suborg admin", "aarhus_suborg_admin", "GET", sub, nil, 200, demo},
		{"get: employee", "aarhus_employee", "GET", sub, nil, 403, `{"error":"Not allowed."}`},
		{"get: unknown", "alice", "GET", "/api/suborganisations/999999/", nil, 404, `{"detail":"No SubOrganisation matches the given query."}`},
		{"get: not a number", "alice", "GET", "/api/suborganisations/abc/", nil, 404, `{"detail":"Not found."}`},
		{"patch: move org", "alice", "PATCH", sub, map[string]any{"organisation_id": "odense"}, 400, `{"error":"Cannot change organisation."}`},
		{"patch: blank", "alice", "PATCH", sub, map[string]any{"name": " "}, 400, `{"name":["This field may not be blank."]}`},
		{"patch: other org", "olga", "PATCH", sub, map[string]any{"name": "X"}, 403, `{"error":"Not allowed."}`},
		{"patch: suborg admin renames", "aarhus_suborg_admin", "PATCH", sub, map[string]any{"name": "Hovedbiblioteket"}, 200,
			`{"id":` + id["aarhus_suborg"] + `,"name":"Hovedbiblioteket","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"}`},
		{"name: employee of the org", "aarhus_employee", "GET", sub + "name/", nil, 200, `{"name":"Hovedbiblioteket"}`},
		{"name: other org", "olga", "GET", sub + "name/", nil, 403, `{"detail":"Not allowed."}`},
		{"delete: suborg admin may not", "aarhus_suborg_admin", "DELETE", sub, nil, 403, `{"error":"You must be org_admin or super_admin to delete this suborg."}`},
		{"delete: wrong method on list", "alice", "DELETE", "/api/suborganisations/", nil, 405, `{"detail":"Method \"DELETE\" not allowed."}`},
		{"create: org admin", "alice", "POST", "/api/suborganisations/", map[string]any{"organisation_id": "Aarhus Kommune", "name": "Skoler"}, 201, ""},
		{"delete: org admin", "alice", "DELETE", sub, nil, 204, ""},
		{"delete: gone", "alice", "DELETE", sub, nil, 404, `{"detail":"No SubOrganisation matches the given query."}`},
	})
	// The delete cascaded to the branch and its memberships.
	if _, err := w.app.FindRecordById(collections.Branches, id["aarhus_branch"]); err == nil {
		t.Fatal("branch survived its suborganisation")
	}
}

func TestBranchEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	suborg := func(sid, name string) string {
		return `{"id":` + sid + `,"name":"` + name + `","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"}`
	}
	demo := `{"id":` + id["aarhus_branch"] + `,"name":"Demo Branch","suborganisation":` + suborg(id["aarhus_suborg"], "Demo Suborg") + `}`
	global := `{"id":` + id["aarhus_global_branch"] + `,"name":"Global","suborganisation":` + suborg(id["aarhus_global"], "Global") + `}`
	b := "/api/branches/" + id["aarhus_branch"] + "/"
	w.run(t, []row{
		{"list by branch: org admin sees the org", "alice", "GET", "/api/branches/?branch_id=" + id["aarhus_branch"], nil, 200, `[` + demo + `,` + global + `]`},
		{"list by branch: employee sees only own (upstream leaked the org)", "aarhus_employee", "GET", "/api/branches/?branch_id=" + id["aarhus_branch"], nil, 200, `[` + demo + `]`},
		{"list by branch: foreign", "olga", "GET", "/api/branches/?branch_id=" + id["aarhus_branch"], nil, 403, `{"detail":"User cannot access the specified branch."}`},
		{"list by branch: unknown", "alice", "GET", "/api/branches/?branch_id=999999", nil, 404, `{"detail":"Branch not found."}`},
		{"list by suborg: suborg admin", "aarhus_suborg_admin", "GET", "/api/branches/?suborg_id=" + id["aarhus_suborg"], nil, 200, `[` + demo + `]`},
		{"list by suborg: employee of it", "aarhus_employee", "GET", "/api/branches?suborg_id=" + id["aarhus_suborg"], nil, 200, `[` + demo + `]`},
		{"list by suborg: org user", "ulla", "GET", "/api/branches/?suborg_id=" + id["aarhus_suborg"], nil, 403, `{"detail":"User cannot access this sub-organisation's branches."}`},
		{"list by suborg: unknown", "alice", "GET", "/api/branches/?suborg_id=abc", nil, 404, `{"detail":"SubOrganisation not found."}`},
		{"list: neither", "alice", "GET", "/api/branches/", nil, 400, `{"detail":"Either branch_id or suborg_id must be provided."}`},
		{"create: no suborg", "alice", "POST", "/api/branches/", map[string]any{"name": "X"}, 403, `{"detail":"suborg_id is required."}`},
		{"create: not a number", "alice", "POST", "/api/branches/", map[string]any{"name": "X", "suborg_id": "x"}, 403, `{"detail":"Field 'id' expected a number but got 'x'."}`},
		{"create: unknown suborg", "alice", "POST", "/api/branches/?suborg_id=999999", map[string]any{"name": "X"}, 404, `{"detail":"No SubOrganisation matches the given query."}`},
		{"create: employee", "aarhus_employee", "POST", "/api/branches/", map[string]any{"name": "X", "suborg_id": id["aarhus_suborg"]}, 403,
			`{"detail":"User 'aarhus_employee' is not org_admin, suborg_admin, or super_admin for suborg_id=` + id["aarhus_suborg"] + `."}`},
		{"create: duplicate", "aarhus_suborg_admin", "POST", "/api/branches/?suborg_id=" + id["aarhus_suborg"], map[string]any{"name": "Demo Branch"}, 400,
			`{"non_field_errors":["The fields suborganisation_id, name must make a unique set."]}`},
		{"create: no name", "aarhus_suborg_admin", "POST", "/api/branches/?suborg_id=" + id["aarhus_suborg"], map[string]any{}, 400, `{"name":["This field is required."]}`},
		{"create: suborg admin", "aarhus_suborg_admin", "POST", "/api/branches/", map[string]any{"name": "Filial", "suborg_id": id["aarhus_suborg"]}, 201, ""},
		{"get: employee may not manage", "aarhus_employee", "GET", b, nil, 403, `{"error":"Not allowed."}`},
		{"get: suborg admin", "aarhus_suborg_admin", "GET", b, nil, 200, demo},
		{"patch: move", "alice", "PATCH", b, map[string]any{"suborganisation_id": id["aarhus_global"]}, 400, `{"error":"Cannot move branch to another suborg."}`},
		{"patch: duplicate", "alice", "PATCH", b, map[string]any{"name": "Filial"}, 400, `{"non_field_errors":["The fields suborganisation_id, name must make a unique set."]}`},
		{"patch: foreign", "olga", "PATCH", b, map[string]any{"name": "X"}, 403, `{"error":"Not allowed."}`},
		{"name: employee of it", "aarhus_employee", "GET", b + "name/", nil, 200, `{"name":"Demo Branch"}`},
		{"name: another branch, even with ?branch_id of mine (upstream leak)", "aarhus_employee", "GET", "/api/branches/" + id["aarhus_global_branch"] + "/name/?branch_id=" + id["aarhus_branch"], nil, 403,
			`{"detail":"You do not have permission to perform this action."}`},
		{"name: unknown, not super", "alice", "GET", "/api/branches/999999/name/", nil, 403, `{"detail":"You do not have permission to perform this action."}`},
		{"name: unknown, super", "sam", "GET", "/api/branches/999999/name/", nil, 404, `{"detail":"No Branch matches the given query."}`},
		{"delete: foreign", "olga", "DELETE", b, nil, 403, `{"error":"Not allowed."}`},
		{"delete: org admin", "alice", "DELETE", b, nil, 204, ""},
	})
}

func TestUserSuborganisations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	branch := func(bid, name, sid, sname string) string {
		return `{"id":` + bid + `,"name":"` + name + `","suborganisation":{"id":` + sid + `,"name":"` + sname + `","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"}}`
	}
	so := func(sid, sname, role, branches string) string {
		return `{"id":` + sid + `,"name":"` + sname + `","organisation":` + id["aarhus"] + `,"organisation_name":"Aarhus Kommune","organisation_uri_name":"aarhus","user_role":` + role + `,"branches":[` + branches + `]}`
	}
	demoBranch := branch(id["aarhus_branch"], "Demo Branch", id["aarhus_suborg"], "Demo Suborg")
	globalBranch := branch(id["aarhus_global_branch"], "Global", id["aarhus_global"], "Global")
	w.run(t, []row{
		{"org admin: every suborg of the org", "alice", "GET", "/api/user/suborganisations/", nil, 200,
			`[` + so(id["aarhus_suborg"], "Demo Suborg", `"org_admin"`, demoBranch) + `,` + so(id["aarhus_global"], "Global", `"org_admin"`, globalBranch) + `]`},
		{"suborg admin", "aarhus_suborg_admin", "GET", "/api/user/suborganisations/", nil, 200, `[` + so(id["aarhus_suborg"], "Demo Suborg", `"suborg_admin"`, demoBranch) + `]`},
		{"employee", "aarhus_employee", "GET", "/api/user/suborganisations/", nil, 200, `[` + so(id["aarhus_suborg"], "Demo Suborg", `"employee"`, demoBranch) + `]`},
		{"org user", "ulla", "GET", "/api/user/suborganisations/", nil, 200, `[]`},
		{"delete is not a method here", "alice", "DELETE", "/api/user/suborganisations/", nil, 405, `{"detail":"Method \"DELETE\" not allowed."}`},
	})
}
