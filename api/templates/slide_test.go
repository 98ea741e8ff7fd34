package templates_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

var templateKeys = []string{"id", "name", "slide_data", "is_legacy", "category", "tags", "organisation", "suborganisation",
	"parent_template", "aspect_ratio", "created_at", "updated_at"}

// fixtures are each organisation's category and tag.
type fixtures struct{ cat, tag map[string]*core.Record }

func (w *world) fixtures(t *testing.T) fixtures {
	t.Helper()
	f := fixtures{cat: map[string]*core.Record{}, tag: map[string]*core.Record{}}
	for _, org := range []string{"aarhus", "odense"} {
		f.cat[org] = w.Create(t, collections.Categories, map[string]any{"name": "News " + org, "organisation": w.Org[org]})
		f.tag[org] = w.Create(t, collections.Tags, map[string]any{"name": "Winter " + org, "organisation": w.Org[org]})
	}
	return f
}

func (w *world) template(t *testing.T, org, suborg, name string, data map[string]any) *core.Record {
	t.Helper()
	return w.Create(t, collections.SlideTemplates, map[string]any{"organisation": w.Org[org], "suborganisation": suborg, "name": name, "slide_data": data})
}

func TestOrgTemplates(t *testing.T) {
	w := newWorld(t)
	f := w.fixtures(t)
	tpl := w.template(t, "aarhus", "", "Welcome", map[string]any{"id": 1})
	theirs := w.template(t, "odense", "", "Velkommen", nil)
	q := "?organisation_id=aarhus"
	one := "/api/slide-templates/" + tpl.Id + "/"
	invalid := func(field, id string) string {
		return fmt.Sprintf(`{%q:["Invalid pk \"%s\" - object does not exist."]}`, field, id)
	}
	w.Run(t, []apitest.Row{
		{Name: "list", User: "ulla", Method: "GET", Path: "/api/slide-templates/" + q, Status: 200, Keys: templateKeys},
		{Name: "anonymous", Method: "GET", Path: "/api/slide-templates/" + q, Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
		{Name: "no organisation", User: "ulla", Method: "GET", Path: "/api/slide-templates/", Status: 400, Want: `{"detail":"organisation_id query param is required."}`},
		{Name: "unknown organisation", User: "ulla", Method: "GET", Path: "/api/slide-templates/?organisation_id=atlantis", Status: 404, Want: `{"detail":"Organization not found."}`},
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/slide-templates/" + q, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "get one", User: "aarhus_employee", Method: "GET", Path: one, Status: 200, Keys: templateKeys},
		{Name: "get another organisation's", User: "alice", Method: "GET", Path: "/api/slide-templates/" + theirs.Id + "/", Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "get missing", User: "alice", Method: "GET", Path: "/api/slide-templates/999/", Status: 404, Want: `{"detail":"No SlideTemplate matches the given query."}`},
		{Name: "create", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Status: 201, Keys: templateKeys,
			Body: map[string]any{"name": "Menu", "slide_data": map[string]any{"id": 2}, "aspect_ratio": "9:16", "is_legacy": true, "organisation_id": "odense",
				"category_id": f.cat["aarhus"].Id, "tag_ids": []any{f.tag["aarhus"].Id}, "preview_width": 1080}},
		{Name: "create with another organisation's category", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Status: 400,
			Body: map[string]any{"name": "X", "category_id": f.cat["odense"].Id}, Want: invalid("category_id", f.cat["odense"].Id)},
		{Name: "create with another organisation's tag", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Status: 400,
			Body: map[string]any{"name": "X", "tag_ids": []any{f.tag["aarhus"].Id, f.tag["odense"].Id}}, Want: invalid("tag_ids", f.tag["odense"].Id)},
		{Name: "create in another organisation's suborganisation", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Status: 400,
			Body: map[string]any{"name": "X", "suborganisation_id": w.Suborg["odense"]}, Want: invalid("suborganisation_id", w.Suborg["odense"])},
		{Name: "create from another organisation's parent", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Status: 400,
			Body: map[string]any{"name": "X", "parent_template_id": theirs.Id}, Want: invalid("parent_template_id", theirs.Id)},
		{Name: "create without name", User: "alice", Method: "POST", Path: "/api/slide-templates/" + q, Body: map[string]any{"tag_ids": "1"}, Status: 400,
			Want: `{"name":["This field is required."],"tag_ids":["Expected a list of items but got type \"str\"."]}`},
		{Name: "create as org user", User: "ulla", Method: "POST", Path: "/api/slide-templates/" + q, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/slide-templates/" + q, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "patch", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"name": "Hello", "category_id": nil, "organisation_id": "odense"}, Status: 200, Keys: templateKeys},
		{Name: "patch with another organisation's category", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"category_id": f.cat["odense"].Id}, Status: 400,
			Want: invalid("category_id", f.cat["odense"].Id)},
		{Name: "patch as org user", User: "ulla", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "patch another organisation's", User: "olga", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Not allowed."}`},
		{Name: "no put", User: "alice", Method: "PUT", Path: one, Body: map[string]any{"name": "X"}, Status: 405, Want: `{"detail":"Method \"PUT\" not allowed."}`},
		{Name: "delete as org user", User: "ulla", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Not authorized to delete this template."}`},
		{Name: "delete another organisation's", User: "olga", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Not authorized to delete this template."}`},
	})
	got := w.Record(t, collections.SlideTemplates, tpl.Id)
	if got.GetString("name") != "Hello" || got.GetString("organisation") != w.Org["aarhus"] || got.GetString("category") != "" {
		t.Fatalf("patched template %v", got.FieldsData())
	}
	created := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/slide-templates/"+q, nil))
	menu := created[len(created)-1]
	if menu["name"] != "Menu" || menu["aspect_ratio"] != "9:16" || menu["is_legacy"] != true ||
		menu["organisation"].(map[string]any)["uri_name"] != "aarhus" || len(menu["tags"].([]any)) != 1 ||
		menu["category"].(map[string]any)["name"] != "News aarhus" {
		t.Fatalf("created template %v", menu)
	}
	before := w.Count(t, collections.SlideTemplates)
	apitest.Check(t, w.Do(t, "alice", "DELETE", one, nil), 204, "")
	if w.Count(t, collections.SlideTemplates) != before-1 {
		t.Fatal("not deleted")
	}
}

// Organisation templates are ordered by slide_data->'id' as Postgres
// orders jsonb: strings before numbers, templates without an id last;
// suborganisation copies are not listed.
func TestOrgTemplateOrder(t *testing.T) {
	w := newWorld(t)
	w.template(t, "aarhus", "", "none", map[string]any{})
	w.template(t, "aarhus", "", "ten", map[string]any{"id": 10})
	w.template(t, "aarhus", "", "two", map[string]any{"id": 2})
	w.template(t, "aarhus", "", "string", map[string]any{"id": "b"})
	w.template(t, "aarhus", "", "null", map[string]any{"id": nil})
	w.template(t, "aarhus", w.Suborg["aarhus"], "copy", map[string]any{"id": 1})
	var names []any
	for _, tpl := range apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/slide-templates/?organisation_id=aarhus", nil)) {
		names = append(names, tpl["name"])
	}
	if fmt.Sprint(names) != "[null string two ten none]" {
		t.Fatalf("order %v", names)
	}
}

// A refused or invalid template write leaves the table as it was.
func TestRefusedTemplateWritesChangeNothing(t *testing.T) {
	w := newWorld(t)
	f := w.fixtures(t)
	before := w.Count(t, collections.SlideTemplates)
	for _, r := range []struct {
		user string
		body any
	}{{"ulla", map[string]any{"name": "A"}}, {"olga", map[string]any{"name": "A"}}, {"alice", map[string]any{"name": "A", "tag_ids": []any{f.tag["odense"].Id}}},
		{"alice", map[string]any{"name": "A", "aspect_ratio": "much too long"}}, {"alice", `{"name":`}} {
		got := w.Do(t, r.user, "POST", "/api/slide-templates/?organisation_id=aarhus", r.body)
		if got.Status < 400 || got.Status >= 500 {
			t.Fatalf("%v: %d %s", r, got.Status, got.Body)
		}
	}
	if after := w.Count(t, collections.SlideTemplates); after != before {
		t.Fatalf("templates %d -> %d", before, after)
	}
}
