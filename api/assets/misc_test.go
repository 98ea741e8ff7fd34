package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

func TestTextFormatting(t *testing.T) {
	w := newWorld(t)
	path := "/api/text-formatting-settings/?organisation_id=aarhus"
	first := apitest.Decode[map[string]any](t, w.Do(t, "ulla", "GET", path, nil))
	id := first["id"]
	all := fmt.Sprintf(`{"id":%v,"organisation":%s,"allow_bold":true,"allow_italic":true,"allow_underline":true}`, ftoa(id.(float64)), w.Org["aarhus"])
	w.Run(t, []apitest.Row{
		{Name: "created once with defaults", User: "aarhus_employee", Method: "GET", Path: path, Status: 200, Want: all},
		{Name: "other organisation", User: "olga", Method: "GET", Path: path, Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "no organisation", User: "ulla", Method: "GET", Path: "/api/text-formatting-settings/", Status: 400, Want: `{"detail":"organisation_id parameter is required."}`},
		{Name: "patch as org user", User: "ulla", Method: "PATCH", Path: path, Body: map[string]any{"allow_bold": false}, Status: 403,
			Want: `{"detail":"You must be an organization admin to modify toolbar options."}`},
		{Name: "patch in another organisation", User: "olga", Method: "PATCH", Path: path, Body: map[string]any{"allow_bold": false}, Status: 403,
			Want: `{"detail":"You must be an organization admin to modify toolbar options."}`},
		{Name: "patch not a boolean", User: "alice", Method: "PATCH", Path: path, Body: map[string]any{"allow_bold": "maybe"}, Status: 400, Want: `{"allow_bold":["Must be a valid boolean."]}`},
		{Name: "patch", User: "alice", Method: "PATCH", Path: path, Body: map[string]any{"allow_italic": false}, Status: 200,
			Want: fmt.Sprintf(`{"id":%v,"organisation":%s,"allow_bold":true,"allow_italic":false,"allow_underline":true}`, ftoa(id.(float64)), w.Org["aarhus"])},
		{Name: "first patch creates", User: "olga", Method: "PATCH", Path: "/api/text-formatting-settings/?organisation_id=odense", Body: map[string]any{"allow_bold": "false"}, Status: 200,
			Keys: []string{"id", "organisation", "allow_bold", "allow_italic", "allow_underline"}},
	})
	if n := w.Count(t, collections.TextFormattingSettings); n != 2 {
		t.Fatalf("%d settings rows, want one per organisation", n)
	}
}

func TestSlideTypes(t *testing.T) {
	w := newWorld(t)
	w.Create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 7, "organisation": w.Org["aarhus"]})
	ddb := w.Create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 1, "name": "Bibliotek", "description": "Events", "organisation": w.Org["aarhus"]})
	w.Create(t, collections.RegisteredSlideTypes, map[string]any{"slide_type_id": 5, "organisation": w.Org["odense"]})
	keys := []string{"id", "slide_type_id", "name", "description", "organisation", "created_at", "updated_at"}
	path := "/api/organisations/slide-types/"
	w.Run(t, []apitest.Row{
		{Name: "editor", User: "aarhus_employee", Method: "GET", Path: path + "?org_id=aarhus", Status: 200, Keys: keys},
		{Name: "player key", Method: "GET", Path: path + "?branch_id=", Headers: []string{w.key(t, "aarhus")}, Status: 200, Keys: keys},
		{Name: "bad key", Method: "GET", Path: path, Headers: []string{"X-API-KEY: 00000000-0000-4000-8000-000000000000"}, Status: 403, Want: `{"detail":"Invalid or inactive API key."}`},
		{Name: "anonymous", Method: "GET", Path: path + "?org_id=aarhus", Status: 401, Want: `{"detail":"Authentication required."}`},
		{Name: "no org_id", User: "ulla", Method: "GET", Path: path + "?organisation_id=aarhus", Status: 400, Want: `{"error":"org_id parameter is required"}`},
		{Name: "unknown organisation", User: "ulla", Method: "GET", Path: path + "?org_id=atlantis", Status: 404, Want: `{"error":"Organisation not found"}`},
		{Name: "other organisation", User: "olga", Method: "GET", Path: path + "?org_id=aarhus", Status: 403,
			Want: `{"error":"You do not have permission to access slide types for this organisation"}`},
	})
	got := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", path+"?org_id=aarhus", nil))
	if len(got) != 2 || ftoa(got[0]["id"].(float64)) != ddb.Id || got[0]["name"] != "Bibliotek" || got[1]["name"] != "Clock" || got[1]["description"] != nil {
		t.Fatalf("slide types %v", got)
	}
}

func TestBranchURLItems(t *testing.T) {
	w := newWorld(t)
	item := w.Create(t, collections.BranchURLItems, map[string]any{"url": "https://aarhus.dk", "branch": w.Branch["aarhus"]})
	theirs := w.Create(t, collections.BranchURLItems, map[string]any{"url": "https://odense.dk", "branch": w.Branch["odense"]})
	b := "?branch_id=" + w.Branch["aarhus"]
	one := "/api/branch-url-items/" + item.Id + "/" + b
	keys := []string{"id", "branch", "url"}
	w.Run(t, []apitest.Row{
		{Name: "list without slash", User: "aarhus_employee", Method: "GET", Path: "/api/branch-url-items" + b, Status: 200,
			Want: fmt.Sprintf(`[{"id":%s,"branch":%s,"url":"https://aarhus.dk"}]`, item.Id, w.Branch["aarhus"])},
		{Name: "no branch", User: "alice", Method: "GET", Path: "/api/branch-url-items/", Status: 403, Want: `{"detail":"branch_id is required."}`},
		{Name: "other organisation's branch", User: "alice", Method: "GET", Path: "/api/branch-url-items/?branch_id=" + w.Branch["odense"], Status: 403,
			Want: fmt.Sprintf(`{"detail":"User 'alice' does not have permission to access branch_id=%s."}`, w.Branch["odense"])},
		{Name: "get one", User: "aarhus_employee", Method: "GET", Path: one, Status: 200, Keys: keys},
		{Name: "get another branch's", User: "alice", Method: "GET", Path: "/api/branch-url-items/" + theirs.Id + "/" + b, Status: 404,
			Want: `{"detail":"No BranchURLCollectionItem matches the given query."}`},
		{Name: "create", User: "aarhus_employee", Method: "POST", Path: "/api/branch-url-items/" + b, Body: map[string]any{"url": "https://dr.dk/nyheder", "branch": w.Branch["aarhus"]}, Status: 201, Keys: keys},
		{Name: "create without branch", User: "alice", Method: "POST", Path: "/api/branch-url-items/" + b, Body: map[string]any{"url": "https://dr.dk"}, Status: 400,
			Want: `{"branch":["This field is required."]}`},
		{Name: "create bad url", User: "alice", Method: "POST", Path: "/api/branch-url-items/" + b, Body: map[string]any{"url": "dr dk", "branch": w.Branch["aarhus"]}, Status: 400,
			Want: `{"url":["Enter a valid URL."]}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/branch-url-items/" + b, Body: map[string]any{"url": "https://x.dk", "branch": w.Branch["aarhus"]}, Status: 403,
			Want: fmt.Sprintf(`{"detail":"User 'olga' does not have permission to access branch_id=%s."}`, w.Branch["aarhus"])},
		{Name: "move to a branch out of reach", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"branch": w.Branch["odense"]}, Status: 400,
			Want: fmt.Sprintf(`{"branch":["Invalid pk \"%s\" - object does not exist."]}`, w.Branch["odense"])},
		{Name: "patch", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"url": "https://aarhus.dk/bibliotek"}, Status: 200,
			Want: fmt.Sprintf(`{"id":%s,"branch":%s,"url":"https://aarhus.dk/bibliotek"}`, item.Id, w.Branch["aarhus"])},
		{Name: "delete another branch's", User: "alice", Method: "DELETE", Path: "/api/branch-url-items/" + theirs.Id + "/" + b, Status: 404,
			Want: `{"detail":"No BranchURLCollectionItem matches the given query."}`},
		{Name: "delete", User: "aarhus_employee", Method: "DELETE", Path: one, Status: 204},
	})
	if n := w.Count(t, collections.BranchURLItems); n != 2 {
		t.Fatalf("%d items, want the created one and odense's", n)
	}
}
