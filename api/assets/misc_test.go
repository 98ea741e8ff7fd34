package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func TestTextFormatting(t *testing.T) {
	w := newWorld(t)
	path := "/api/text-formatting-settings/?organisation_id=aarhus"
	first := decode[map[string]any](t, w.do(t, "ulla", "GET", path, nil))
	id := first["id"]
	all := fmt.Sprintf(`{"id":%v,"organisation":%s,"allow_bold":true,"allow_italic":true,"allow_underline":true}`, ftoa(id.(float64)), w.org["aarhus"])
	w.run(t, []row{
		{name: "created once with defaults", user: "aarhus_employee", method: "GET", path: path, status: 200, want: all},
		{name: "other organisation", user: "olga", method: "GET", path: path, status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "no organisation", user: "ulla", method: "GET", path: "/api/text-formatting-settings/", status: 400, want: `{"detail":"organisation_id parameter is required."}`},
		{name: "patch as org user", user: "ulla", method: "PATCH", path: path, body: map[string]any{"allow_bold": false}, status: 403,
			want: `{"detail":"You must be an organization admin to modify toolbar options."}`},
		{name: "patch in another organisation", user: "olga", method: "PATCH", path: path, body: map[string]any{"allow_bold": false}, status: 403,
			want: `{"detail":"You must be an organization admin to modify toolbar options."}`},
		{name: "patch not a boolean", user: "alice", method: "PATCH", path: path, body: map[string]any{"allow_bold": "maybe"}, status: 400, want: `{"allow_bold":["Must be a valid boolean."]}`},
		{name: "patch", user: "alice", method: "PATCH", path: path, body: map[string]any{"allow_italic": false}, status: 200,
			want: fmt.Sprintf(`{"id":%v,"organisation":%s,"allow_bold":true,"allow_italic":false,"allow_underline":true}`, ftoa(id.(float64)), w.org["aarhus"])},
		{name: "first patch creates", user: "olga", method: "PATCH", path: "/api/text-formatting-settings/?organisation_id=odense", body: map[string]any{"allow_bold": "false"}, status: 200,
			keys: []string{"id", "organisation", "allow_bold", "allow_italic", "allow_underline"}},
	})
	if n := w.count(t, collections.TextFormattingSettings); n != 2 {
		t.Fatalf("%d settings rows, want one per organisation", n)
	}
}

func TestSlideTypes(t *testing.T) {
	w := newWorld(t)
	w.create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 7, "organisation": w.org["aarhus"]})
	ddb := w.create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 1, "name": "Bibliotek", "description": "Events", "organisation": w.org["aarhus"]})
	w.create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 5, "organisation": w.org["odense"]})
	keys := []string{"id", "slide_type_id", "name", "description", "organisation", "created_at", "updated_at"}
	path := "/api/organisations/slide-types/"
	w.run(t, []row{
		{name: "editor", user: "aarhus_employee", method: "GET", path: path + "?org_id=aarhus", status: 200, keys: keys},
		{name: "player key", method: "GET", path: path + "?branch_id=", headers: []string{w.key(t, "aarhus")}, status: 200, keys: keys},
		{name: "bad key", method: "GET", path: path, headers: []string{"X-API-KEY: 00000000-0000-4000-8000-000000000000"}, status: 403, want: `{"detail":"Invalid or inactive API key."}`},
		{name: "anonymous", method: "GET", path: path + "?org_id=aarhus", status: 401, want: `{"detail":"Authentication required."}`},
		{name: "no org_id", user: "ulla", method: "GET", path: path + "?organisation_id=aarhus", status: 400, want: `{"error":"org_id parameter is required"}`},
		{name: "unknown organisation", user: "ulla", method: "GET", path: path + "?org_id=atlantis", status: 404, want: `{"error":"Organisation not found"}`},
		{name: "other organisation", user: "olga", method: "GET", path: path + "?org_id=aarhus", status: 403,
			want: `{"error":"You do not have permission to access slide types for this organisation"}`},
	})
	got := decode[[]map[string]any](t, w.do(t, "ulla", "GET", path+"?org_id=aarhus", nil))
	if len(got) != 2 || ftoa(got[0]["id"].(float64)) != ddb.Id || got[0]["name"] != "Bibliotek" || got[1]["name"] != "Clock" || got[1]["description"] != nil {
		t.Fatalf("slide types %v", got)
	}
}

func TestBranchURLItems(t *testing.T) {
	w := newWorld(t)
	item := w.create(t, collections.BranchURLItems, map[string]any{"url": "https://aarhus.dk", "branch": w.branch["aarhus"]})
	theirs := w.create(t, collections.BranchURLItems, map[string]any{"url": "https://odense.dk", "branch": w.branch["odense"]})
	b := "?branch_id=" + w.branch["aarhus"]
	one := "/api/branch-url-items/" + item.Id + "/" + b
	keys := []string{"id", "branch", "url"}
	w.run(t, []row{
		{name: "list without slash", user: "aarhus_employee", method: "GET", path: "/api/branch-url-items" + b, status: 200,
			want: fmt.Sprintf(`[{"id":%s,"branch":%s,"url":"https://aarhus.dk"}]`, item.Id, w.branch["aarhus"])},
		{name: "no branch", user: "alice", method: "GET", path: "/api/branch-url-items/", status: 403, want: `{"detail":"branch_id is required."}`},
		{name: "other organisation's branch", user: "alice", method: "GET", path: "/api/branch-url-items/?branch_id=" + w.branch["odense"], status: 403,
			want: fmt.Sprintf(`{"detail":"User 'alice' does not have permission to access branch_id=%s."}`, w.branch["odense"])},
		{name: "get one", user: "aarhus_employee", method: "GET", path: one, status: 200, keys: keys},
		{name: "get another branch's", user: "alice", method: "GET", path: "/api/branch-url-items/" + theirs.Id + "/" + b, status: 404,
			want: `{"detail":"No BranchURLCollectionItem matches the given query."}`},
		{name: "create", user: "aarhus_employee", method: "POST", path: "/api/branch-url-items/" + b, body: map[string]any{"url": "https://dr.dk/nyheder", "branch": w.branch["aarhus"]}, status: 201, keys: keys},
		{name: "create without branch", user: "alice", method: "POST", path: "/api/branch-url-items/" + b, body: map[string]any{"url": "https://dr.dk"}, status: 400,
			want: `{"branch":["This field is required."]}`},
		{name: "create bad url", user: "alice", method: "POST", path: "/api/branch-url-items/" + b, body: map[string]any{"url": "dr dk", "branch": w.branch["aarhus"]}, status: 400,
			want: `{"url":["Enter a valid URL."]}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/branch-url-items/" + b, body: map[string]any{"url": "https://x.dk", "branch": w.branch["aarhus"]}, status: 403,
			want: fmt.Sprintf(`{"detail":"User 'olga' does not have permission to access branch_id=%s."}`, w.branch["aarhus"])},
		{name: "move to a branch out of reach", user: "alice", method: "PATCH", path: one, body: map[string]any{"branch": w.branch["odense"]}, status: 400,
			want: fmt.Sprintf(`{"branch":["Invalid pk \"%s\" - object does not exist."]}`, w.branch["odense"])},
		{name: "patch", user: "alice", method: "PATCH", path: one, body: map[string]any{"url": "https://aarhus.dk/bibliotek"}, status: 200,
			want: fmt.Sprintf(`{"id":%s,"branch":%s,"url":"https://aarhus.dk/bibliotek"}`, item.Id, w.branch["aarhus"])},
		{name: "delete another branch's", user: "alice", method: "DELETE", path: "/api/branch-url-items/" + theirs.Id + "/" + b, status: 404,
			want: `{"detail":"No BranchURLCollectionItem matches the given query."}`},
		{name: "delete", user: "aarhus_employee", method: "DELETE", path: one, status: 204},
	})
	if n := w.count(t, collections.BranchURLItems); n != 2 {
		t.Fatalf("%d items, want the created one and odense's", n)
	}
}
