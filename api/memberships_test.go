package api_test

import (
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func TestMemberships(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	w.addUser(t, "nina", "nina@example.dk", "nina-password", true)
	id["nina"] = w.users["nina"].Id
	post := func(name, user string, body map[string]any, status int, want string) row {
		return row{name, user, "POST", "/api/memberships/", body, status, want}
	}
	m := func(role string, org any, sub, branch string) map[string]any {
		body := map[string]any{"user": id["nina"], "role": role, "organisation": org}
		if sub != "" {
			body["suborganisation"] = sub
		}
		if branch != "" {
			body["branch"] = branch
		}
		return body
	}
	notAllowed := `{"detail":"Not allowed to create membership."}`
	w.run(t, []row{
		{"list: no user", "alice", "GET", "/api/memberships/", nil, 400, `{"detail":"user parameter is required."}`},
		{"list: bad user", "alice", "GET", "/api/memberships/?user=abc", nil, 400, `{"detail":"Invalid user_id format."}`},
		{"list: self", "ulla", "GET", "/api/memberships/?user=" + id["ulla"], nil, 200, ""},
		{"list: org admin of a common org", "alice", "GET", "/api/memberships/?user=" + id["ulla"], nil, 200, ""},
		{"list: other org's admin", "olga", "GET", "/api/memberships/?user=" + id["ulla"], nil, 403, `{"detail":"Not authorized to view this user's memberships."}`},
		{"list: employee about someone else", "aarhus_employee", "GET", "/api/memberships/?user=" + id["ulla"], nil, 403, ""},
		{"list: super", "sam", "GET", "/api/memberships/?user=" + id["ulla"], nil, 200, ""},

		post("missing everything", "alice", map[string]any{}, 400, `{"user":["This field is required."],"role":["This field is required."],"organisation":["This field is required."]}`),
		post("bad role", "alice", m("boss", "aarhus", "", ""), 400, `{"role":["\"boss\" is not a valid choice."]}`),
		post("unknown user", "alice", map[string]any{"user": 999999, "role": "org_user", "organisation": "aarhus"}, 400, `{"user":["Invalid pk \"999999\" - object does not exist."]}`),
		post("user of wrong type", "alice", map[string]any{"user": "abc", "role": "org_user", "organisation": "aarhus"}, 400, `{"user":["Incorrect type. Expected pk value, received str."]}`),
		post("unknown organisation", "alice", m("org_user", "nowhere", "", ""), 400, `{"error":"Organisation not found"}`),
		post("empty organisation", "alice", m("org_user", "", "", ""), 400, `{"error":"Organisation not found"}`),
		post("org admin may not grant super_admin (upstream could)", "alice", m("super_admin", "aarhus", "", ""), 403, notAllowed),
		post("org admin, suborg of another org", "alice", m("suborg_admin", "aarhus", id["odense_suborg"], ""), 403, notAllowed),
		post("org admin of another org", "olga", m("org_user", "aarhus", "", ""), 403, notAllowed),
		post("suborg admin may not grant org_admin", "aarhus_suborg_admin", m("org_admin", "aarhus", id["aarhus_suborg"], ""), 403, notAllowed),
		post("suborg admin, other suborg", "aarhus_suborg_admin", m("employee", "aarhus", id["aarhus_global"], id["aarhus_global_branch"]), 403, notAllowed),
		post("employee may not", "aarhus_employee", m("employee", "aarhus", id["aarhus_suborg"], id["aarhus_branch"]), 403, notAllowed),
		post("role table: employee needs a branch", "alice", m("employee", "aarhus", id["aarhus_suborg"], ""), 400, ""),
		post("suborg admin grants employee", "aarhus_suborg_admin", m("employee", "aarhus", id["aarhus_suborg"], id["aarhus_branch"]), 201, ""),
		post("org admin grants org_user by name", "alice", m("org_user", "Aarhus Kommune", "", ""), 201, ""),
		post("org admin grants by {id}", "alice", m("suborg_admin", map[string]any{"id": id["aarhus"]}, id["aarhus_global"], ""), 201, ""),
		post("duplicate", "alice", m("employee", "aarhus", id["aarhus_suborg"], id["aarhus_branch"]), 400, `{"non_field_errors":["The fields user, organisation, suborganisation, branch must make a unique set."]}`),
		post("super grants super_admin", "sam", m("super_admin", "odense", "", ""), 201, ""),
		{"patch is not routed", "alice", "PATCH", "/api/memberships/", map[string]any{}, 405, ""},
	})
	for _, r := range []row{{"role-table message is a non-field error", "alice", "POST", "/api/memberships/", m("employee", "aarhus", id["aarhus_suborg"], ""), 400, ""}} {
		got := w.do(t, r.method, r.path, r.body, "Authorization: "+w.bearer(t, r.user))
		if !strings.Contains(string(got.Body), "non_field_errors") {
			t.Fatalf("%s: %s", r.name, got.Body)
		}
	}

	// Listing nina's rows as alice shows only those in alice's organisation.
	got := w.do(t, "GET", "/api/memberships/?user="+id["nina"], nil, "Authorization: "+w.bearer(t, "alice"))
	rows := w.list(t, got)
	if len(rows) != 3 {
		t.Fatalf("alice sees %d of nina's rows: %s", len(rows), got.Body)
	}
	for _, r := range rows {
		if r["organisation_name"] != "Aarhus Kommune" {
			t.Fatalf("row of another org: %v", r)
		}
	}
	var superRow, employeeRow string
	all, _ := w.app.FindAllRecords(collections.Memberships)
	for _, r := range all {
		if r.GetString("user") == id["nina"] && r.GetString("role") == "super_admin" {
			superRow = r.Id
		}
		if r.GetString("user") == id["nina"] && r.GetString("role") == "employee" {
			employeeRow = r.Id
		}
	}
	w.run(t, []row{
		{"delete: unknown", "alice", "DELETE", "/api/memberships/999999/", nil, 404, `{"detail":"No OrganisationMembership matches the given query."}`},
		{"delete: org admin may not remove a super admin", "olga", "DELETE", "/api/memberships/" + superRow + "/", nil, 403, `{"detail":"Not allowed."}`},
		{"delete: employee may not", "aarhus_employee", "DELETE", "/api/memberships/" + employeeRow + "/", nil, 403, `{"detail":"Not allowed."}`},
		{"delete: other org", "olga", "DELETE", "/api/memberships/" + employeeRow + "/", nil, 403, ""},
		{"delete: suborg admin", "aarhus_suborg_admin", "DELETE", "/api/memberships/" + employeeRow + "/", nil, 204, ""},
		{"delete: super", "sam", "DELETE", "/api/memberships/" + superRow, nil, 204, ""},
	})
}
