package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

var nameKeys = []string{"id", "name", "organisation"}

func TestCategories(t *testing.T) {
	w := newWorld(t)
	news := w.Create(t, collections.Categories, map[string]any{"name": "News", "organisation": w.Org["aarhus"]})
	w.Create(t, collections.Categories, map[string]any{"name": "Events", "organisation": w.Org["aarhus"]})
	theirs := w.Create(t, collections.Categories, map[string]any{"name": "Sport", "organisation": w.Org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/categories/" + news.Id + "/" + q
	w.Run(t, []apitest.Row{
		{Name: "list by name", User: "ulla", Method: "GET", Path: "/api/categories/" + q, Status: 200, Keys: nameKeys},
		{Name: "list without slash", User: "aarhus_employee", Method: "GET", Path: "/api/categories" + q, Status: 200, Keys: nameKeys},
		{Name: "anonymous", Method: "GET", Path: "/api/categories/" + q, Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
		{Name: "no organisation", User: "ulla", Method: "GET", Path: "/api/categories/", Status: 400, Want: `{"detail":"organisation_id parameter is required."}`},
		{Name: "unknown organisation", User: "ulla", Method: "GET", Path: "/api/categories/?organisation_id=nowhere", Status: 404, Want: `{"detail":"Organization not found."}`},
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/categories/" + q, Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "get one", User: "ulla", Method: "GET", Path: one, Status: 200,
			Want: fmt.Sprintf(`{"id":%s,"name":"News","organisation":{"id":%s,"name":"Aarhus Kommune","uri_name":"aarhus"}}`, news.Id, w.Org["aarhus"])},
		{Name: "get one of another organisation", User: "alice", Method: "GET", Path: "/api/categories/" + theirs.Id + "/" + q, Status: 404, Want: `{"detail":"No Category matches the given query."}`},
		{Name: "create", User: "alice", Method: "POST", Path: "/api/categories/" + q, Body: map[string]any{"name": "Culture", "organisation_id": "odense"}, Status: 201, Keys: nameKeys},
		{Name: "create duplicate", User: "alice", Method: "POST", Path: "/api/categories/" + q, Body: map[string]any{"name": "News"}, Status: 400,
			Want: `{"non_field_errors":["A category with this name already exists in your organisation."]}`},
		{Name: "create blank", User: "alice", Method: "POST", Path: "/api/categories/" + q, Body: map[string]any{"name": " "}, Status: 400, Want: `{"name":["This field may not be blank."]}`},
		{Name: "create as org user", User: "ulla", Method: "POST", Path: "/api/categories/" + q, Body: map[string]any{"name": "X"}, Status: 403,
			Want: `{"detail":"Only organisation admins can create categories."}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/categories/" + q, Body: map[string]any{"name": "X"}, Status: 403,
			Want: `{"detail":"Only organisation admins can create categories."}`},
		{Name: "rename", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"name": "Headlines"}, Status: 200, Keys: nameKeys},
		{Name: "put", User: "alice", Method: "PUT", Path: one, Body: map[string]any{"name": "News", "organisation": w.Org["aarhus"]}, Status: 200, Keys: nameKeys},
		{Name: "move to another organisation", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"name": "N", "organisation": w.Org["odense"]}, Status: 400,
			Want: `{"detail":"Cannot change category's organisation."}`},
		{Name: "rename another organisation's", User: "alice", Method: "PATCH", Path: "/api/categories/" + theirs.Id + "/" + q, Body: map[string]any{"name": "Mine"}, Status: 404,
			Want: `{"detail":"No Category matches the given query."}`},
		{Name: "rename as org user", User: "ulla", Method: "PATCH", Path: one, Body: map[string]any{"name": "Y"}, Status: 403, Want: `{"detail":"Only organisation admins can update categories."}`},
		{Name: "delete as org user", User: "ulla", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Only organisation admins can delete categories."}`},
		{Name: "delete from another organisation", User: "olga", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Only organisation admins can delete categories."}`},
		{Name: "wrong method", User: "alice", Method: "POST", Path: one, Status: 405, Want: `{"detail":"Method \"POST\" not allowed."}`},
		{Name: "delete", User: "alice", Method: "DELETE", Path: one, Status: 204},
	})
	if got := w.Record(t, collections.Categories, theirs.Id).GetString("name"); got != "Sport" {
		t.Fatalf("odense's category renamed to %q", got)
	}
}

func TestCategoryListOrder(t *testing.T) {
	w := newWorld(t)
	for _, n := range []string{"b", "C", "a"} {
		w.Create(t, collections.Categories, map[string]any{"name": n, "organisation": w.Org["aarhus"]})
	}
	got := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/categories/?organisation_id=aarhus", nil))
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
	tag := w.Create(t, collections.Tags, map[string]any{"name": "Winter", "organisation": w.Org["aarhus"]})
	theirs := w.Create(t, collections.Tags, map[string]any{"name": "Summer", "organisation": w.Org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/tags/" + tag.Id + "/" + q
	w.Run(t, []apitest.Row{
		{Name: "list without slash", User: "ulla", Method: "GET", Path: "/api/tags" + q, Status: 200, Keys: nameKeys},
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/tags/" + q, Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "get one", User: "ulla", Method: "GET", Path: one, Status: 200, Keys: nameKeys},
		{Name: "create", User: "alice", Method: "POST", Path: "/api/tags/" + q, Body: map[string]any{"name": "Spring"}, Status: 201, Keys: nameKeys},
		{Name: "create duplicate", User: "alice", Method: "POST", Path: "/api/tags/" + q, Body: map[string]any{"name": "Winter"}, Status: 400,
			Want: `{"non_field_errors":["A tag with this name already exists in your organisation."]}`},
		{Name: "create as org user", User: "ulla", Method: "POST", Path: "/api/tags/" + q, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Only admins can create tags."}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/tags/" + q, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"Only admins can create tags."}`},
		{Name: "rename", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"name": "Cold"}, Status: 200, Keys: nameKeys},
		{Name: "rename as org user", User: "ulla", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403,
			Want: `{"detail":"Only admins can edit tags in their own organisation"}`},
		{Name: "rename another organisation's", User: "alice", Method: "PATCH", Path: "/api/tags/" + theirs.Id + "/" + q, Body: map[string]any{"name": "X"}, Status: 404,
			Want: `{"detail":"No Tag matches the given query."}`},
		{Name: "no put", User: "alice", Method: "PUT", Path: one, Body: map[string]any{"name": "X"}, Status: 405, Want: `{"detail":"Method \"PUT\" not allowed."}`},
		{Name: "delete as org user", User: "ulla", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"Only admins can edit tags in their own organisation"}`},
		{Name: "delete", User: "alice", Method: "DELETE", Path: one, Status: 204},
	})
}

func TestTagSearch(t *testing.T) {
	w := newWorld(t)
	for i := range 12 {
		w.Create(t, collections.Tags, map[string]any{"name": fmt.Sprintf("Æble %02d", i), "organisation": w.Org["aarhus"]})
	}
	w.Create(t, collections.Tags, map[string]any{"name": "Pære", "organisation": w.Org["aarhus"]})
	w.Create(t, collections.Tags, map[string]any{"name": "æble i odense", "organisation": w.Org["odense"]})
	got := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/tags/list/?organisation_id=aarhus&search_query=%C3%A6BLE", nil))
	if len(got) != 10 || got[0]["name"] != "Æble 00" || got[9]["name"] != "Æble 09" {
		t.Fatalf("first ten matches: %v", got)
	}
	all := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/tags/list/?organisation_id=aarhus&search_query=%C3%A6re", nil))
	if len(all) != 1 || all[0]["name"] != "Pære" {
		t.Fatalf("search: %v", all)
	}
	w.Run(t, []apitest.Row{
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/tags/list/?organisation_id=aarhus", Status: 403,
			Want: `{"detail":"You don't have access to this organization."}`},
		{Name: "keys", User: "ulla", Method: "GET", Path: "/api/tags/list/?organisation_id=aarhus", Status: 200, Keys: nameKeys},
	})
}

// A refused or invalid write leaves the table as it was.
func TestRefusedNameWritesChangeNothing(t *testing.T) {
	w := newWorld(t)
	before := w.Count(t, collections.Categories)
	for _, r := range []struct {
		user string
		body any
	}{{"ulla", map[string]any{"name": "A"}}, {"olga", map[string]any{"name": "A"}}, {"alice", map[string]any{"name": ""}}, {"alice", `[1]`}} {
		got := w.Do(t, r.user, "POST", "/api/categories/?organisation_id=aarhus", r.body)
		if got.Status < 400 || got.Status >= 500 {
			t.Fatalf("%v: %d %s", r, got.Status, got.Body)
		}
	}
	if after := w.Count(t, collections.Categories); after != before {
		t.Fatalf("categories %d -> %d", before, after)
	}
}
