package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

var nameKeys = []string{"id", "name", "organisation"}

func TestCategories(t *testing.T) {
	w := newWorld(t)
	news := w.create(t, collections.Categories, map[string]any{"name": "News", "organisation": w.org["aarhus"]})
	w.create(t, collections.Categories, map[string]any{"name": "Events", "organisation": w.org["aarhus"]})
	theirs := w.create(t, collections.Categories, map[string]any{"name": "Sport", "organisation": w.org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/categories/" + news.Id + "/" + q
	w.run(t, []row{
		{name: "list by name", user: "ulla", method: "GET", path: "/api/categories/" + q, status: 200, keys: nameKeys},
		{name: "list without slash", user: "aarhus_employee", method: "GET", path: "/api/categories" + q, status: 200, keys: nameKeys},
		{name: "anonymous", method: "GET", path: "/api/categories/" + q, status: 401, want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "no organisation", user: "ulla", method: "GET", path: "/api/categories/", status: 400, want: `{"detail":"organisation_id parameter is required."}`},
		{name: "unknown organisation", user: "ulla", method: "GET", path: "/api/categories/?organisation_id=nowhere", status: 404, want: `{"detail":"Organization not found."}`},
		{name: "other organisation", user: "olga", method: "GET", path: "/api/categories/" + q, status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "get one", user: "ulla", method: "GET", path: one, status: 200,
			want: fmt.Sprintf(`{"id":%s,"name":"News","organisation":{"id":%s,"name":"Aarhus Kommune","uri_name":"aarhus"}}`, news.Id, w.org["aarhus"])},
		{name: "get one of another organisation", user: "alice", method: "GET", path: "/api/categories/" + theirs.Id + "/" + q, status: 404, want: `{"detail":"No Category matches the given query."}`},
		{name: "create", user: "alice", method: "POST", path: "/api/categories/" + q, body: map[string]any{"name": "Culture", "organisation_id": "odense"}, status: 201, keys: nameKeys},
		{name: "create duplicate", user: "alice", method: "POST", path: "/api/categories/" + q, body: map[string]any{"name": "News"}, status: 400,
			want: `{"non_field_errors":["A category with this name already exists in your organisation."]}`},
		{name: "create blank", user: "alice", method: "POST", path: "/api/categories/" + q, body: map[string]any{"name": " "}, status: 400, want: `{"name":["This field may not be blank."]}`},
		{name: "create as org user", user: "ulla", method: "POST", path: "/api/categories/" + q, body: map[string]any{"name": "X"}, status: 403,
			want: `{"detail":"Only organisation admins can create categories."}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/categories/" + q, body: map[string]any{"name": "X"}, status: 403,
			want: `{"detail":"Only organisation admins can create categories."}`},
		{name: "rename", user: "alice", method: "PATCH", path: one, body: map[string]any{"name": "Headlines"}, status: 200, keys: nameKeys},
		{name: "put", user: "alice", method: "PUT", path: one, body: map[string]any{"name": "News", "organisation": w.org["aarhus"]}, status: 200, keys: nameKeys},
		{name: "move to another organisation", user: "alice", method: "PATCH", path: one, body: map[string]any{"name": "N", "organisation": w.org["odense"]}, status: 400,
			want: `{"detail":"Cannot change category's organisation."}`},
		{name: "rename another organisation's", user: "alice", method: "PATCH", path: "/api/categories/" + theirs.Id + "/" + q, body: map[string]any{"name": "Mine"}, status: 404,
			want: `{"detail":"No Category matches the given query."}`},
		{name: "rename as org user", user: "ulla", method: "PATCH", path: one, body: map[string]any{"name": "Y"}, status: 403, want: `{"detail":"Only organisation admins can update categories."}`},
		{name: "delete as org user", user: "ulla", method: "DELETE", path: one, status: 403, want: `{"detail":"Only organisation admins can delete categories."}`},
		{name: "delete from another organisation", user: "olga", method: "DELETE", path: one, status: 403, want: `{"detail":"Only organisation admins can delete categories."}`},
		{name: "wrong method", user: "alice", method: "POST", path: one, status: 405, want: `{"detail":"Method \"POST\" not allowed."}`},
		{name: "delete", user: "alice", method: "DELETE", path: one, status: 204},
	})
	if got := w.record(t, collections.Categories, theirs.Id).GetString("name"); got != "Sport" {
		t.Fatalf("odense's category renamed to %q", got)
	}
}

func TestCategoryListOrder(t *testing.T) {
	w := newWorld(t)
	for _, n := range []string{"b", "C", "a"} {
		w.create(t, collections.Categories, map[string]any{"name": n, "organisation": w.org["aarhus"]})
	}
	got := decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/categories/?organisation_id=aarhus", nil))
	var names []any
	for _, c := range got {
		names = append(names, c["name"])
	}
	if fmt.Sprint(names) != "[C a b]" {
		t.Fatalf("order %v", names)
	}
}

func TestTags(t *testing.T) {
	w := newWorld(t)
	tag := w.create(t, collections.Tags, map[string]any{"name": "Winter", "organisation": w.org["aarhus"]})
	theirs := w.create(t, collections.Tags, map[string]any{"name": "Summer", "organisation": w.org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/tags/" + tag.Id + "/" + q
	w.run(t, []row{
		{name: "list without slash", user: "ulla", method: "GET", path: "/api/tags" + q, status: 200, keys: nameKeys},
		{name: "other organisation", user: "olga", method: "GET", path: "/api/tags/" + q, status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "get one", user: "ulla", method: "GET", path: one, status: 200, keys: nameKeys},
		{name: "create", user: "alice", method: "POST", path: "/api/tags/" + q, body: map[string]any{"name": "Spring"}, status: 201, keys: nameKeys},
		{name: "create duplicate", user: "alice", method: "POST", path: "/api/tags/" + q, body: map[string]any{"name": "Winter"}, status: 400,
			want: `{"non_field_errors":["A tag with this name already exists in your organisation."]}`},
		{name: "create as org user", user: "ulla", method: "POST", path: "/api/tags/" + q, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Only admins can create tags."}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/tags/" + q, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"Only admins can create tags."}`},
		{name: "rename", user: "alice", method: "PATCH", path: one, body: map[string]any{"name": "Cold"}, status: 200, keys: nameKeys},
		{name: "rename as org user", user: "ulla", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403,
			want: `{"detail":"Only admins can edit tags in their own organisation"}`},
		{name: "rename another organisation's", user: "alice", method: "PATCH", path: "/api/tags/" + theirs.Id + "/" + q, body: map[string]any{"name": "X"}, status: 404,
			want: `{"detail":"No Tag matches the given query."}`},
		{name: "no put", user: "alice", method: "PUT", path: one, body: map[string]any{"name": "X"}, status: 405, want: `{"detail":"Method \"PUT\" not allowed."}`},
		{name: "delete as org user", user: "ulla", method: "DELETE", path: one, status: 403, want: `{"detail":"Only admins can edit tags in their own organisation"}`},
		{name: "delete", user: "alice", method: "DELETE", path: one, status: 204},
	})
}

func TestTagSearch(t *testing.T) {
	w := newWorld(t)
	for i := range 12 {
		w.create(t, collections.Tags, map[string]any{"name": fmt.Sprintf("Æble %02d", i), "organisation": w.org["aarhus"]})
	}
	w.create(t, collections.Tags, map[string]any{"name": "Pære", "organisation": w.org["aarhus"]})
	w.create(t, collections.Tags, map[string]any{"name": "æble i odense", "organisation": w.org["odense"]})
	got := decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/tags/list/?organisation_id=aarhus&search_query=%C3%A6BLE", nil))
	if len(got) != 10 || got[0]["name"] != "Æble 00" || got[9]["name"] != "Æble 09" {
		t.Fatalf("first ten matches: %v", got)
	}
	all := decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/tags/list/?organisation_id=aarhus&search_query=%C3%A6re", nil))
	if len(all) != 1 || all[0]["name"] != "Pære" {
		t.Fatalf("search: %v", all)
	}
	w.run(t, []row{
		{name: "other organisation", user: "olga", method: "GET", path: "/api/tags/list/?organisation_id=aarhus", status: 403,
			want: `{"detail":"You don't have access to this organization."}`},
		{name: "keys", user: "ulla", method: "GET", path: "/api/tags/list/?organisation_id=aarhus", status: 200, keys: nameKeys},
	})
}

// A refused or invalid write leaves the table as it was.
func TestRefusedNameWritesChangeNothing(t *testing.T) {
	w := newWorld(t)
	before := w.count(t, collections.Categories)
	for _, r := range []struct {
		user string
		body any
	}{{"ulla", map[string]any{"name": "A"}}, {"olga", map[string]any{"name": "A"}}, {"alice", map[string]any{"name": ""}}, {"alice", `[1]`}} {
		got := w.do(t, r.user, "POST", "/api/categories/?organisation_id=aarhus", r.body)
		if got.status < 400 || got.status >= 500 {
			t.Fatalf("%v: %d %s", r, got.status, got.body)
		}
	}
	if after := w.count(t, collections.Categories); after != before {
		t.Fatalf("categories %d -> %d", before, after)
	}
}
