package templates_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

func TestSuborgTemplates(t *testing.T) {
	w := newWorld(t)
	f := w.fixtures(t)
	so := w.suborg["aarhus"]
	parent := w.create(t, collections.SlideTemplates, map[string]any{"organisation": w.org["aarhus"], "name": "Parent", "slide_data": map[string]any{"id": 4},
		"aspect_ratio": "4:3", "is_legacy": true, "category": f.cat["aarhus"].Id, "tags": []string{f.tag["aarhus"].Id}})
	copied := w.template(t, "aarhus", so, "A copy", nil)
	global, err := w.app.FindFirstRecordByFilter(collections.Suborganisations, "name = 'Global' && organisation = {:o}", map[string]any{"o": w.org["aarhus"]})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := w.template(t, "aarhus", global.Id, "Elsewhere", nil)
	theirs := w.template(t, "odense", "", "Theirs", nil)
	copyBody := func(parent string) map[string]any {
		return map[string]any{"suborg_id": so, "parent_template_id": parent}
	}
	one := "/api/suborg-templates/" + copied.Id + "/"
	w.run(t, []row{
		{name: "list via the first branch", user: "aarhus_employee", method: "GET", path: "/api/suborg-templates/?suborg_id=" + so, status: 200, keys: templateKeys},
		{name: "list without suborg", user: "alice", method: "GET", path: "/api/suborg-templates/", status: 400, want: `{"detail":"suborg_id query param is required."}`},
		{name: "list unknown suborg", user: "alice", method: "GET", path: "/api/suborg-templates/?suborg_id=x", status: 404, want: `{"detail":"No SubOrganisation matches the given query."}`},
		{name: "list another organisation's", user: "olga", method: "GET", path: "/api/suborg-templates/?suborg_id=" + so, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "get a copy as employee", user: "aarhus_employee", method: "GET", path: one, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "get a copy as suborg admin", user: "aarhus_suborg_admin", method: "GET", path: one, status: 200, keys: templateKeys},
		{name: "get an org-wide template as employee", user: "aarhus_employee", method: "GET", path: "/api/suborg-templates/" + parent.Id + "/", status: 200, keys: templateKeys},
		{name: "get another organisation's", user: "olga", method: "GET", path: one, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "copy without suborg", user: "alice", method: "POST", path: "/api/suborg-templates/", body: map[string]any{"parent_template_id": parent.Id}, status: 400,
			want: `{"detail":"suborg_id is required."}`},
		{name: "copy without parent", user: "alice", method: "POST", path: "/api/suborg-templates/", body: map[string]any{"suborg_id": so}, status: 400,
			want: `{"detail":"parent_template_id is required."}`},
		{name: "copy a copy", user: "alice", method: "POST", path: "/api/suborg-templates/", body: copyBody(copied.Id), status: 400,
			want: `{"detail":"Parent template must be a global template."}`},
		{name: "copy another organisation's", user: "alice", method: "POST", path: "/api/suborg-templates/", body: copyBody(theirs.Id), status: 400,
			want: `{"detail":"Parent template must belong to the same organisation."}`},
		{name: "copy a missing parent", user: "alice", method: "POST", path: "/api/suborg-templates/", body: copyBody("999"), status: 404,
			want: `{"detail":"No SlideTemplate matches the given query."}`},
		{name: "copy as employee", user: "aarhus_employee", method: "POST", path: "/api/suborg-templates/", body: copyBody(parent.Id), status: 403,
			want: `{"detail":"Not authorized to create templates for this suborganisation."}`},
		{name: "copy into another organisation", user: "olga", method: "POST", path: "/api/suborg-templates/", body: copyBody(parent.Id), status: 403,
			want: `{"detail":"Not authorized to create templates for this suborganisation."}`},
		{name: "patch an org-wide template", user: "alice", method: "PATCH", path: "/api/suborg-templates/" + parent.Id + "/", body: map[string]any{"name": "X"}, status: 400,
			want: `{"detail":"This endpoint is only for suborg templates."}`},
		{name: "patch as employee", user: "aarhus_employee", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "patch another organisation's", user: "olga", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "patch with another organisation's tag", user: "aarhus_suborg_admin", method: "PATCH", path: one, body: map[string]any{"tag_ids": []any{f.tag["odense"].Id}}, status: 400,
			want: fmt.Sprintf(`{"tag_ids":["Invalid pk \"%s\" - object does not exist."]}`, f.tag["odense"].Id)},
		{name: "patch strips ownership", user: "aarhus_suborg_admin", method: "PATCH", path: one, status: 200, keys: templateKeys,
			body: map[string]any{"name": "B copy", "is_legacy": true, "suborganisation_id": global.Id, "parent_template_id": parent.Id, "organisation_id": w.org["odense"]}},
		{name: "delete an org-wide template", user: "alice", method: "DELETE", path: "/api/suborg-templates/" + parent.Id + "/", status: 400,
			want: `{"detail":"This endpoint is only for suborg templates."}`},
		{name: "delete another organisation's", user: "olga", method: "DELETE", path: one, status: 403, want: `{"detail":"Not authorized to delete this template."}`},
	})
	kept := w.record(t, collections.SlideTemplates, copied.Id)
	if kept.GetString("name") != "B copy" || kept.GetBool("is_legacy") || kept.GetString("suborganisation") != so ||
		kept.GetString("parent_template") != "" || kept.GetString("organisation") != w.org["aarhus"] {
		t.Fatalf("suborg PATCH changed ownership: %v", kept.FieldsData())
	}
	check(t, w.do(t, "aarhus_suborg_admin", "DELETE", one, nil), 204, "")
	if n := w.count(t, collections.SlideTemplates); n != 3 {
		t.Fatalf("%d templates after refused writes and one delete, want 3", n)
	}
	// The suborg list: org-wide templates and this suborg's copies, by name.
	var names []any
	for _, tpl := range decode[[]map[string]any](t, w.do(t, "aarhus_employee", "GET", "/api/suborg-templates/?suborg_id="+so, nil)) {
		names = append(names, tpl["name"])
	}
	if fmt.Sprint(names) != "[Parent]" {
		t.Fatalf("suborg list %v (Elsewhere %s belongs to another suborg)", names, elsewhere.Id)
	}
}

// A copy carries the parent's content, category and tags, and points back.
func TestCopyToSuborg(t *testing.T) {
	w := newWorld(t)
	f := w.fixtures(t)
	so := w.suborg["aarhus"]
	parent := w.create(t, collections.SlideTemplates, map[string]any{"organisation": w.org["aarhus"], "name": "Parent", "slide_data": map[string]any{"id": 4, "slides": []any{}},
		"aspect_ratio": "4:3", "is_legacy": true, "category": f.cat["aarhus"].Id, "tags": []string{f.tag["aarhus"].Id}})
	got := w.do(t, "aarhus_suborg_admin", "POST", "/api/suborg-templates/", map[string]any{"suborg_id": so, "parent_template_id": parent.Id})
	check(t, got, 201, "", templateKeys...)
	c := decode[map[string]any](t, got)
	want := fmt.Sprintf(`{"name":"Parent (Copy)","slide_data":{"id":4,"slides":[]},"is_legacy":true,"aspect_ratio":"4:3",`+
		`"suborganisation":{"id":%s,"name":"Demo Suborg","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"},`+
		`"parent_template":{"id":%s,"name":"Parent"},"category":%s,"tags":[%s]}`, so, parent.Id, f.cat["aarhus"].Id, f.tag["aarhus"].Id)
	gotSubset := map[string]any{}
	for _, k := range []string{"name", "slide_data", "is_legacy", "aspect_ratio", "suborganisation", "parent_template"} {
		gotSubset[k] = c[k]
	}
	gotSubset["category"] = c["category"].(map[string]any)["id"]
	gotSubset["tags"] = []any{c["tags"].([]any)[0].(map[string]any)["id"]}
	check(t, response{status: 200, header: map[string][]string{"Content-Type": {"application/json"}}, body: mustJSON(t, gotSubset)}, 200, want)

	named := decode[map[string]any](t, w.do(t, "alice", "POST", "/api/suborg-templates/", map[string]any{"suborg_id": so, "parent_template_id": parent.Id, "name": "Mine"}))
	if named["name"] != "Mine" {
		t.Fatalf("named copy %v", named["name"])
	}
	// Deleting the parent keeps the copies, without a parent.
	check(t, w.do(t, "alice", "DELETE", "/api/slide-templates/"+parent.Id+"/", nil), 204, "")
	left := w.record(t, collections.SlideTemplates, ftoa(named["id"].(float64)))
	if left.GetString("parent_template") != "" {
		t.Fatal("copy still points at a deleted parent")
	}
}

// Without branches the suborg list needs can_manage_suborg.
func TestSuborgListWithoutBranches(t *testing.T) {
	w := newWorld(t)
	empty := w.create(t, collections.Suborganisations, map[string]any{"name": "Empty", "organisation": w.org["aarhus"]})
	w.run(t, []row{
		{name: "org admin", user: "alice", method: "GET", path: "/api/suborg-templates/?suborg_id=" + empty.Id, status: 200, want: `[]`},
		{name: "another suborg's admin", user: "aarhus_suborg_admin", method: "GET", path: "/api/suborg-templates/?suborg_id=" + empty.Id, status: 403, want: `{"detail":"Not allowed."}`},
	})
}

// TestSuborgTemplatesWithALowIdBranch: the list is for whoever may use any
// branch of the suborganisation, whatever the branches' ids. The frontend
// creates a suborg_templates branch in the suborganisation; with an id
// lower than the employee's branch, upstream's "first branch by id" rule
// answered the employee 403.
func TestSuborgTemplatesWithALowIdBranch(t *testing.T) {
	w := newWorld(t)
	so := w.suborg["aarhus"]
	// Id 1 is below every generated id (15 random digits).
	low := w.create(t, collections.Branches, map[string]any{"id": "1", "suborganisation": so, "name": "suborg_templates"})
	global, err := w.app.FindFirstRecordByFilter(collections.Branches, "name = 'Global' && suborganisation.organisation = {:o}", map[string]any{"o": w.org["aarhus"]})
	if err != nil {
		t.Fatal(err)
	}
	for name, branch := range map[string]*core.Record{"low_employee": low, "global_employee": global} {
		w.users[name] = w.create(t, collections.Users, map[string]any{"username": name, "password": name + "-password", "is_active": true})
		w.create(t, collections.Memberships, map[string]any{"user": w.users[name].Id, "role": collections.RoleEmployee,
			"organisation": w.org["aarhus"], "suborganisation": branch.GetString("suborganisation"), "branch": branch.Id})
	}
	list := "/api/suborg-templates/?suborg_id=" + so
	w.run(t, []row{
		{name: "employee of a higher-id branch", user: "aarhus_employee", method: "GET", path: list, status: 200},
		{name: "employee of the low-id branch", user: "low_employee", method: "GET", path: list, status: 200},
		{name: "suborg admin", user: "aarhus_suborg_admin", method: "GET", path: list, status: 200},
		{name: "org admin", user: "alice", method: "GET", path: list, status: 200},
		{name: "employee of another suborganisation", user: "global_employee", method: "GET", path: list, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "org user without a branch", user: "ulla", method: "GET", path: list, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "another organisation's admin", user: "olga", method: "GET", path: list, status: 403, want: `{"detail":"Not allowed."}`},
	})
}
