package templates_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

func TestSuborgTemplates(t *testing.T) {
	w := newWorld(t)
	f := w.fixtures(t)
	so := w.Suborg["aarhus"]
	parent := w.Create(t, collections.SlideTemplates, map[string]any{"organisation": w.Org["aarhus"], "name": "Parent", "slide_data": map[string]any{"id": 4},
		"aspect_ratio": "4:3", "is_legacy": true, "category": f.cat["aarhus"].Id, "tags": []string{f.tag["aarhus"].Id}})
	copied := w.template(t, "aarhus", so, "A copy", nil)
	global, err := w.App.FindFirstRecordByFilter(collections.Suborganisations, "name = 'Global' && organisation = {:o}", map[string]any{"o": w.Org["aarhus"]})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := w.template(t, "aarhus", global.Id, "Elsewhere", nil)
	theirs := w.template(t, "odense", "", "Theirs", nil)
	copyBody := func(parent string) map[string]any {
		return map[string]any{"suborg_id": so, "parent_template_id": parent}
	}
	one := "/api/suborg-templates/" + copied.Id + "/"
	w.Run(t, []apitest.Row{
		{Name: "list via the first branch", User: "aarhus_employee", Method: "GET", Path: "/api/suborg-templates/?suborg_id=" + so, Status: 200, Keys: templateKeys},
		{Name: "list without suborg", User: "alice", Method: "GET", Path: "/api/suborg-templates/", Status: 400, Want: `{"detail":"suborg_id query param is required."}`},
		{Name: "list unknown suborg", User: "alice", Method: "GET", Path: "/api/suborg-templates/?suborg_id=x", Status: 404, Want: `{"detail":"No SubOrganisation matches the given query."}`},
		{Name: "list another organisation's", User: "olga", Method: "GET", Path: "/api/suborg-templates/?suborg_id=" + so, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "get a copy as employee", User: "aarhus_employee", Method: "GET", Path: one, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "get a copy as suborg admin", User: "aarhus_suborg_admin", Method: "GET", Path: one, Status: 200, Keys: templateKeys},
		{Name: "get an org-wide template as employee", User: "aarhus_employee", Method: "GET", Path: "/api/suborg-templates/" + parent.Id + "/", Status: 200, Keys: templateKeys},
		{Name: "get another organisation's", User: "olga", Method: "GET", Path: one, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "copy without suborg", User: "alice", Method: "POST", Path: "/api/suborg-templates/", Body: map[string]any{"parent_template_id": parent.Id}, Status: 400,
			Want: `{"detail":"suborg_id is required."}`},
		{Name: "copy without parent", User: "alice", Method: "POST", Path: "/api/suborg-templates/", Body: map[string]any{"suborg_id": so}, Status: 400,
			Want: `{"detail":"parent_template_id is required."}`},
		{Name: "copy a copy", User: "alice", Method: "POST", Path: "/api/suborg-templates/", Body: copyBody(copied.Id), Status: 400,
			Want: `{"detail":"Parent template must be a global template."}`},
		{Name: "copy another organisation's", User: "alice", Method: "POST", Path: "/api/suborg-templates/", Body: copyBody(theirs.Id), Status: 400,
			Want: `{"detail":"Parent template must belong to the same organisation."}`},
		{Name: "copy a missing parent", User: "alice", Method: "POST", Path: "/api/suborg-templates/", Body: copyBody("999"), Status: 404,
			Want: `{"detail":"No SlideTemplate matches the given query."}`},
		{Name: "copy as employee", User: "aarhus_employee", Method: "POST", Path: "/api/suborg-templates/", Body: copyBody(parent.Id), Status: 403,
			Want: `{"detail":"Not authorized to create templates for this suborganisation."}`},
		{Name: "copy into another organisation", User: "olga", Method: "POST", Path: "/api/suborg-templates/", Body: copyBody(parent.Id), Status: 403,
			Want: `{"detail":"Not authorized to create templates for this suborganisation."}`},
		{Name: "patch an org-wide template", User: "alice", Method: "PATCH", Path: "/api/suborg-templates/" + parent.Id + "/", Body: map[string]any{"name": "X"}, Status: 400,
			Want: `{"detail":"This endpoint is only for suborg templates."}`},
		{Name: "patch as employee", User: "aarhus_employee", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "patch another organisation's", User: "olga", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "patch with another organisation's tag", User: "aarhus_suborg_admin", Method: "PATCH", Path: one, Body: map[string]any{"tag_ids": []any{f.tag["odense"].Id}}, Status: 400,
			Want: fmt.Sprintf(`{"tag_ids":["Invalid pk \"%s\" - object does not exist."]}`, f.tag["odense"].Id)},
		{Name: "patch strips ownership", User: "aarhus_suborg_admin", Method: "PATCH", Path: one, Status: 200, Keys: templateKeys,
			Body: map[string]any{"name": "B copy", "is_legacy": true, "suborganisation_id": global.Id, "parent_template_id": parent.Id, "organisation_id": w.Org["odense"]}},
		{Name: "delete an org-wide template", User: "alice", Method: "DELETE", Path: "/api/suborg-templates/" + parent.Id + "/", Status: 400,
			Want: `{"detail":"This endpoint is only for suborg templates."}`},
		{Name: "delete another organisation's", User: "olga", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Not authorized to delete this template."}`},
	})
	kept := w.Record(t, collections.SlideTemplates, copied.Id)
	if kept.GetString("name") != "B copy" || kept.GetBool("is_legacy") || kept.GetString("suborganisation") != so ||
		kept.GetString("parent_template") != "" || kept.GetString("organisation") != w.Org["aarhus"] {
		t.Fatalf("suborg PATCH changed ownership: %v", kept.FieldsData())
	}
	apitest.Check(t, w.Do(t, "aarhus_suborg_admin", "DELETE", one, nil), 204, "")
	if n := w.Count(t, collections.SlideTemplates); n != 3 {
		t.Fatalf("%d templates after refused writes and one delete, want 3", n)
	}
	// The suborg list: org-wide templates and this suborg's copies, by name.
	var names []any
	for _, tpl := range apitest.Decode[[]map[string]any](t, w.Do(t, "aarhus_employee", "GET", "/api/suborg-templates/?suborg_id="+so, nil)) {
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
	so := w.Suborg["aarhus"]
	parent := w.Create(t, collections.SlideTemplates, map[string]any{"organisation": w.Org["aarhus"], "name": "Parent", "slide_data": map[string]any{"id": 4, "slides": []any{}},
		"aspect_ratio": "4:3", "is_legacy": true, "category": f.cat["aarhus"].Id, "tags": []string{f.tag["aarhus"].Id}})
	got := w.Do(t, "aarhus_suborg_admin", "POST", "/api/suborg-templates/", map[string]any{"suborg_id": so, "parent_template_id": parent.Id})
	apitest.Check(t, got, 201, "", templateKeys...)
	c := apitest.Decode[map[string]any](t, got)
	want := fmt.Sprintf(`{"name":"Parent (Copy)","slide_data":{"id":4,"slides":[]},"is_legacy":true,"aspect_ratio":"4:3",`+
		`"suborganisation":{"id":%s,"name":"Demo Suborg","organisation":"Aarhus Kommune","organisation_uri_name":"aarhus"},`+
		`"parent_template":{"id":%s,"name":"Parent"},"category":%s,"tags":[%s]}`, so, parent.Id, f.cat["aarhus"].Id, f.tag["aarhus"].Id)
	gotSubset := map[string]any{}
	for _, k := range []string{"name", "slide_data", "is_legacy", "aspect_ratio", "suborganisation", "parent_template"} {
		gotSubset[k] = c[k]
	}
	gotSubset["category"] = c["category"].(map[string]any)["id"]
	gotSubset["tags"] = []any{c["tags"].([]any)[0].(map[string]any)["id"]}
	apitest.Check(t, apitest.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: mustJSON(t, gotSubset)}, 200, want)

	named := apitest.Decode[map[string]any](t, w.Do(t, "alice", "POST", "/api/suborg-templates/", map[string]any{"suborg_id": so, "parent_template_id": parent.Id, "name": "Mine"}))
	if named["name"] != "Mine" {
		t.Fatalf("named copy %v", named["name"])
	}
	// Deleting the parent keeps the copies, without a parent.
	apitest.Check(t, w.Do(t, "alice", "DELETE", "/api/slide-templates/"+parent.Id+"/", nil), 204, "")
	left := w.Record(t, collections.SlideTemplates, ftoa(named["id"].(float64)))
	if left.GetString("parent_template") != "" {
		t.Fatal("copy still points at a deleted parent")
	}
}

// Without branches the suborg list needs can_manage_suborg.
func TestSuborgListWithoutBranches(t *testing.T) {
	w := newWorld(t)
	empty := w.Create(t, collections.Suborganisations, map[string]any{"name": "Empty", "organisation": w.Org["aarhus"]})
	w.Run(t, []apitest.Row{
		{Name: "org admin", User: "alice", Method: "GET", Path: "/api/suborg-templates/?suborg_id=" + empty.Id, Status: 200, Want: `[]`},
		{Name: "another suborg's admin", User: "aarhus_suborg_admin", Method: "GET", Path: "/api/suborg-templates/?suborg_id=" + empty.Id, Status: 403, Want: `{"detail":"Not allowed."}`},
	})
}

// TestSuborgTemplatesWithALowIdBranch: the list is for whoever may use any
// branch of the suborganisation, whatever the branches' ids. The frontend
// creates a suborg_templates branch in the suborganisation; with an id
// lower than the employee's branch, upstream's "first branch by id" rule
// answered the employee 403.
func TestSuborgTemplatesWithALowIdBranch(t *testing.T) {
	w := newWorld(t)
	so := w.Suborg["aarhus"]
	// Id 1 is below every generated id (15 random digits).
	low := w.Create(t, collections.Branches, map[string]any{"id": "1", "suborganisation": so, "name": "suborg_templates"})
	global, err := w.App.FindFirstRecordByFilter(collections.Branches, "name = 'Global' && suborganisation.organisation = {:o}", map[string]any{"o": w.Org["aarhus"]})
	if err != nil {
		t.Fatal(err)
	}
	for name, branch := range map[string]*core.Record{"low_employee": low, "global_employee": global} {
		w.Users[name] = w.Create(t, collections.Users, map[string]any{"username": name, "password": name + "-password", "is_active": true})
		w.Create(t, collections.Memberships, map[string]any{"user": w.Users[name].Id, "role": collections.RoleEmployee,
			"organisation": w.Org["aarhus"], "suborganisation": branch.GetString("suborganisation"), "branch": branch.Id})
	}
	list := "/api/suborg-templates/?suborg_id=" + so
	w.Run(t, []apitest.Row{
		{Name: "employee of a higher-id branch", User: "aarhus_employee", Method: "GET", Path: list, Status: 200},
		{Name: "employee of the low-id branch", User: "low_employee", Method: "GET", Path: list, Status: 200},
		{Name: "suborg admin", User: "aarhus_suborg_admin", Method: "GET", Path: list, Status: 200},
		{Name: "org admin", User: "alice", Method: "GET", Path: list, Status: 200},
		{Name: "employee of another suborganisation", User: "global_employee", Method: "GET", Path: list, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "org user without a branch", User: "ulla", Method: "GET", Path: list, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "another organisation's admin", User: "olga", Method: "GET", Path: list, Status: 403, Want: `{"detail":"Not allowed."}`},
	})
}
