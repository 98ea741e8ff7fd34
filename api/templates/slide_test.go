package templates_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

var templateKeys = []string{"id", "name", "slide_data", "is_legacy", "category", "tags", "organisation", "suborganisation",
	"parent_template", "aspect_ratio", "created_at", "updated_at"}

// fixtures are each organisation's category and tag.
type fixtures struct{ cat, tag map[string]*core.Record }

func (w *world) fixtures(t *testing.T) fixtures {
	t.Helper()
	f := fixtures{cat: map[string]*core.Record{}, tag: map[string]*core.Record{}}
	for _, org := range []string{"aarhus", "odense"} {
		f.cat[org] = w.create(t, collections.Categories, map[string]any{"name": "News " + org, "organisation": w.org[org]})
		f.tag[org] = w.create(t, collections.Tags, map[string]any{"name": "Winter " + org, "organisation": w.org[org]})
	}
	return f
}

func (w *world) template(t *testing.T, org, suborg, name string, data map[string]any) *core.Record {
	t.Helper()
	return w.create(t, collections.SlideTemplates, map[string]any{"organisation": w.org[org], "suborganisation": suborg, "name": name, "slide_data": data})
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
	w.run(t, []row{
		{name: "list", user: "ulla", method: "GET", path: "/api/slide-templates/" + q, status: 200, keys: templateKeys},
		{name: "anonymous", method: "GET", path: "/api/slide-templates/" + q, status: 401, want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "no organisation", user: "ulla", method: "GET", path: "/api/slide-templates/", status: 400, want: `{"detail":"organisation_id query param is required."}`},
		{name: "unknown organisation", user: "ulla", method: "GET", path: "/api/slide-templates/?organisation_id=atlantis", status: 404, want: `{"detail":"Organization not found."}`},
		{name: "other organisation", user: "olga", method: "GET", path: "/api/slide-templates/" + q, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "get one", user: "aarhus_employee", method: "GET", path: one, status: 200, keys: templateKeys},
		{name: "get another organisation's", user: "alice", method: "GET", path: "/api/slide-templates/" + theirs.Id + "/", status: 403, want: `{"detail":"Not allowed."}`},
		{name: "get missing", user: "alice", method: "GET", path: "/api/slide-templates/999/", status: 404, want: `{"detail":"No SlideTemplate matches the given query."}`},
		{name: "create", user: "alice", method: "POST", path: "/api/slide-templates/" + q, status: 201, keys: templateKeys,
			body: map[string]any{"name": "Menu", "slide_data": map[string]any{"id": 2}, "aspect_ratio": "9:16", "is_legacy": true, "organisation_id": "odense",
				"category_id": f.cat["aarhus"].Id, "tag_ids": []any{f.tag["aarhus"].Id}, "preview_width": 1080}},
		{name: "create with another organisation's category", user: "alice", method: "POST", path: "/api/slide-templates/" + q, status: 400,
			body: map[string]any{"name": "X", "category_id": f.cat["odense"].Id}, want: invalid("category_id", f.cat["odense"].Id)},
		{name: "create with another organisation's tag", user: "alice", method: "POST", path: "/api/slide-templates/" + q, status: 400,
			body: map[string]any{"name": "X", "tag_ids": []any{f.tag["aarhus"].Id, f.tag["odense"].Id}}, want: invalid("tag_ids", f.tag["odense"].Id)},
		{name: "create in another organisation's suborganisation", user: "alice", method: "POST", path: "/api/slide-templates/" + q, status: 400,
			body: map[string]any{"name": "X", "suborganisation_id": w.suborg["odense"]}, want: invalid("suborganisation_id", w.suborg["odense"])},
		{name: "create from another organisation's parent", user: "alice", method: "POST", path: "/api/slide-templates/" + q, status: 400,
			body: map[string]any{"name": "X", "parent_template_id": theirs.Id}, want: invalid("parent_template_id", theirs.Id)},
		{name: "create without name", user: "alice", method: "POST", path: "/api/slide-templates/" + q, body: map[string]any{"tag_ids": "1"}, status: 400,
			want: `{"name":["This field is required."],"tag_ids":["Expected a list of items but got type \"str\"."]}`},
		{name: "create as org user", user: "ulla", method: "POST", path: "/api/slide-templates/" + q, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/slide-templates/" + q, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "patch", user: "alice", method: "PATCH", path: one, body: map[string]any{"name": "Hello", "category_id": nil, "organisation_id": "odense"}, status: 200, keys: templateKeys},
		{name: "patch with another organisation's category", user: "alice", method: "PATCH", path: one, body: map[string]any{"category_id": f.cat["odense"].Id}, status: 400,
			want: invalid("category_id", f.cat["odense"].Id)},
		{name: "patch as org user", user: "ulla", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "patch another organisation's", user: "olga", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "no put", user: "alice", method: "PUT", path: one, body: map[string]any{"name": "X"}, status: 405, want: `{"detail":"Method \"PUT\" not allowed."}`},
		{name: "delete as org user", user: "ulla", method: "DELETE", path: one, status: 403, want: `{"detail":"Not authorized to delete this template."}`},
		{name: "delete another organisation's", user: "olga", method: "DELETE", path: one, status: 403, want: `{"detail":"Not authorized to delete this template."}`},
	})
	got := w.record(t, collections.SlideTemplates, tpl.Id)
	if got.GetString("name") != "Hello" || got.GetString("organisation") != w.org["aarhus"] || got.GetString("category") != "" {
		t.Fatalf("patched template %v", got.FieldsData())
	}
	created := decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/slide-templates/"+q, nil))
	menu := created[len(created)-1]
	if menu["name"] != "Menu" || menu["aspect_ratio"] != "9:16" || menu["is_legacy"] != true ||
		menu["organisation"].(map[string]any)["uri_name"] != "aarhus" || len(menu["tags"].([]any)) != 1 ||
		menu["category"].(map[string]any)["name"] != "News aarhus" {
		t.Fatalf("created template %v", menu)
	}
	before := w.count(t, collections.SlideTemplates)
	check(t, w.do(t, "alice", "DELETE", one, nil), 204, "")
	if w.count(t, collections.SlideTemplates) != before-1 {
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
	w.template(t, "aarhus", w.suborg["aarhus"], "copy", map[string]any{"id": 1})
	var names []any
	for _, tpl := range decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/slide-templates/?organisation_id=aarhus", nil)) {
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
	before := w.count(t, collections.SlideTemplates)
	for _, r := range []struct {
		user string
		body any
	}{{"ulla", map[string]any{"name": "A"}}, {"olga", map[string]any{"name": "A"}}, {"alice", map[string]any{"name": "A", "tag_ids": []any{f.tag["odense"].Id}}},
		{"alice", map[string]any{"name": "A", "aspect_ratio": "much too long"}}, {"alice", `{"name":`}} {
		got := w.do(t, r.user, "POST", "/api/slide-templates/?organisation_id=aarhus", r.body)
		if got.status < 400 || got.status >= 500 {
			t.Fatalf("%v: %d %s", r, got.status, got.body)
		}
	}
	if after := w.count(t, collections.SlideTemplates); after != before {
		t.Fatalf("templates %d -> %d", before, after)
	}
}
