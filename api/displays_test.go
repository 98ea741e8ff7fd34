package api_test

import (
	"net/http"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func TestDisplayEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	ids["global"] = w.ids(t)["aarhus_global_branch"]
	w.record(t, collections.DisplayWebsites, map[string]any{"name": "kiosk", "uid": "dev-7", "branch": ids["global"]})
	portraitGroup := w.record(t, collections.DisplayWebsiteGroups, map[string]any{
		"name": "portrait", "branch": a.branch, "aspect_ratio": "9:16", "default_slideshow": a.portrait,
	})
	ids["pgroup"] = portraitGroup
	screen := `{"id":{screen},"name":"aarhus screen 1","uid":null,"aspect_ratio":"16:9","display_website_group":{group},` +
		`"branch":{branch},"last_seen":null,"online":false}`
	before := w.count(t, collections.DisplayWebsites)

	w.runRows(t, ids, []apiRow{
		{name: "list", user: "alice", method: "GET", path: "/api/display-websites/?branch_id={branch}", status: 200, want: "[" + screen + "]"},
		{name: "list as branch employee", user: "aarhus_employee", method: "GET", path: "/api/display-websites/?branch_id={branch}", status: 200, want: "[" + screen + "]"},
		{name: "list anonymous", method: "GET", path: "/api/display-websites/?branch_id={branch}", status: 401,
			want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "list without branch", user: "alice", method: "GET", path: "/api/display-websites/", status: 403, want: `{"detail":"branch_id is required."}`},
		{name: "list other organisation's branch", user: "olga", method: "GET", path: "/api/display-websites/?branch_id={branch}", status: 403,
			want: `{"detail":"User 'olga' does not have permission to access branch_id={branch}."}`},
		{name: "org user without branch access", user: "ulla", method: "GET", path: "/api/display-websites/?branch_id={branch}", status: 403,
			want: `{"detail":"User 'ulla' does not have permission to access branch_id={branch}."}`},
		{name: "get", user: "alice", method: "GET", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 200, want: screen},
		{name: "get a screen of another branch", user: "alice", method: "GET", path: "/api/display-websites/{o_screen}/?branch_id={branch}", status: 404,
			want: `{"detail":"No DisplayWebsite matches the given query."}`},
		{name: "get non-numeric", user: "alice", method: "GET", path: "/api/display-websites/abc/?branch_id={branch}", status: 404, want: `{"detail":"Not found."}`},
		{name: "create", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall", "uid": "dev-1", "display_website_group": "{group}"}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				if m["name"] != "Hall" || m["uid"] != "dev-1" || m["aspect_ratio"] != "16:9" || m["online"] != false {
					t.Fatalf("%v", m)
				}
			}},
		{name: "create without name", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{}, status: 400, want: `{"name":["This field is required."]}`},
		{name: "create with a taken name", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall"}, status: 400, want: `{"non_field_errors":["Display website with this Name and Branch already exists."]}`},
		{name: "create with a uid taken in the organisation", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall 2", "uid": "dev-7"}, status: 400,
			want: `{"non_field_errors":["UID 'dev-7' must be unique within the same organisation."]}`},
		{name: "create into a group of another ratio", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall 3", "display_website_group": "{pgroup}"}, status: 400,
			want: `{"non_field_errors":["Display aspect ratio (16:9) does not match group aspect ratio (9:16). Only displays with matching aspect ratios can be added to this group."]}`},
		{name: "create into another organisation's group", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall 4", "display_website_group": "{o_group}"}, status: 400,
			want: `{"non_field_errors":["The display website group must belong to the display's branch."]}`},
		{name: "create with a malformed group", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall 5", "display_website_group": "abc"}, status: 400,
			want: `{"display_website_group":["Incorrect type. Expected pk value, received str."]}`},
		{name: "create with an unknown group", user: "alice", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Hall 5", "display_website_group": 12345}, status: 400,
			want: `{"display_website_group":["Invalid pk \"12345\" - object does not exist."]}`},
		{name: "create as another organisation", user: "olga", method: "POST", path: "/api/display-websites/?branch_id={branch}",
			body: map[string]any{"name": "Intruder"}, status: 403, want: `{"detail":"User 'olga' does not have permission to access branch_id={branch}."}`},
		{name: "detach by drag and drop", user: "aarhus_employee", method: "PATCH", path: "/api/display-websites/{screen}/?branch_id={branch}",
			body: map[string]any{"display_website_group": nil}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["display_website_group"] != nil || m["name"] != "aarhus screen 1" {
					t.Fatalf("%v", m)
				}
			}},
		{name: "rename and change ratio", user: "alice", method: "PATCH", path: "/api/display-websites/{screen}/?branch_id={branch}",
			body: map[string]any{"name": "Foyer", "aspect_ratio": "9:16"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["name"] != "Foyer" || m["aspect_ratio"] != "9:16" {
					t.Fatalf("%v", m)
				}
			}},
		{name: "patch another organisation's screen through its branch", user: "alice", method: "PATCH",
			path: "/api/display-websites/{o_screen}/?branch_id={o_branch}", body: map[string]any{"name": "x"}, status: 403,
			want: `{"detail":"User 'alice' does not have permission to access branch_id={o_branch}."}`},
		{name: "patch another organisation's screen through our branch", user: "alice", method: "PATCH",
			path: "/api/display-websites/{o_screen}/?branch_id={branch}", body: map[string]any{"name": "x"}, status: 404,
			want: `{"detail":"No DisplayWebsite matches the given query."}`},
		{name: "post on a detail route", user: "alice", method: "POST", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 405,
			want: `{"detail":"Method \"POST\" not allowed."}`},
		{name: "delete another organisation's screen", user: "olga", method: "DELETE", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 403},
		{name: "delete", user: "alice", method: "DELETE", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 204},
		{name: "deleted", user: "alice", method: "GET", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 404},
	})
	// created one (Hall), deleted one; nothing half-written by the refusals.
	if got := w.count(t, collections.DisplayWebsites); got != before {
		t.Fatalf("%d screens, want %d", got, before)
	}
	if r := w.do(t, "GET", "/api/display-websites/"+o.screen+"/?branch_id="+o.branch, nil, "Authorization: "+w.bearer(t, "olga")); r.Status != http.StatusOK {
		t.Fatalf("odense's screen was touched: %d %s", r.Status, r.Body)
	}
}

func TestGroupEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	group := `{"id":{group},"default_slideshow":` + slideshowJSON + `,"default_playlist":null,"name":"aarhus lobby","aspect_ratio":"16:9","branch":{branch}}`
	before := w.count(t, collections.DisplayWebsiteGroups)

	w.runRows(t, ids, []apiRow{
		{name: "list", user: "alice", method: "GET", path: "/api/display-website-groups/?branch_id={branch}", status: 200, want: "[" + group + "]"},
		{name: "get", user: "aarhus_employee", method: "GET", path: "/api/display-website-groups/{group}/?branch_id={branch}", status: 200, want: group},
		{name: "get another organisation's group", user: "alice", method: "GET", path: "/api/display-website-groups/{o_group}/?branch_id={branch}", status: 404,
			want: `{"detail":"No DisplayWebsiteGroup matches the given query."}`},
		{name: "create with both defaults", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"name": "g", "default_slideshow_id": "{slideshow}", "default_playlist_id": "{playlist}"}, status: 400,
			want: `{"non_field_errors":["Exactly one of default_slideshow or default_playlist must be set."]}`},
		{name: "create with no default", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"name": "g"}, status: 400,
			want: `{"non_field_errors":["Exactly one of default_slideshow or default_playlist must be set."]}`},
		{name: "create with a default of another ratio", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"name": "g", "default_slideshow_id": "{portrait}"}, status: 400,
			want: `{"non_field_errors":["Default slideshow aspect ratio (9:16) does not match group aspect ratio (16:9)."]}`},
		{name: "create with another organisation's slideshow", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"name": "g", "default_slideshow_id": "{o_slideshow}"}, status: 400,
			want: `{"default_slideshow_id":["Invalid pk \"{o_slideshow}\" - object does not exist."]}`},
		{name: "create without name", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"default_slideshow_id": "{slideshow}"}, status: 400, want: `{"name":["This field is required."]}`},
		{name: "create with a playlist", user: "alice", method: "POST", path: "/api/display-website-groups/?branch_id={branch}",
			body: map[string]any{"name": "Portrait wall", "aspect_ratio": "16:9", "default_playlist_id": "{playlist}"}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				p, _ := m["default_playlist"].(map[string]any)
				if m["default_slideshow"] != nil || p == nil || len(p["items"].([]any)) != 2 {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "switch the default to the playlist", user: "alice", method: "PATCH", path: "/api/display-website-groups/{group}/?branch_id={branch}",
			body: map[string]any{"default_playlist_id": "{playlist}"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["default_slideshow"] != nil || m["default_playlist"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "clear both defaults", user: "alice", method: "PATCH", path: "/api/display-website-groups/{group}/?branch_id={branch}",
			body: map[string]any{"default_slideshow_id": nil, "default_playlist_id": nil}, status: 400,
			want: `{"non_field_errors":["Exactly one of default_slideshow or default_playlist must be set."]}`},
		{name: "patch as another organisation", user: "olga", method: "PATCH", path: "/api/display-website-groups/{group}/?branch_id={branch}",
			body: map[string]any{"name": "x"}, status: 403},
	})
	if got := w.count(t, collections.DisplayWebsiteGroups); got != before+1 {
		t.Fatalf("%d groups, want %d", got, before+1)
	}
}

// Deleting a group keeps its screens: they are detached and their players
// are sent back to registration, where check-screen-group says "no group".
func TestDeletingAGroupDetachesItsScreens(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	ids := a.ids("")
	ids["sched"] = w.record(t, collections.ScheduledContents, map[string]any{
		"display_website_group": a.group, "slideshow": a.slideshow,
		"start_time": "2026-04-01 10:00:00.000Z", "end_time": "2026-04-01 12:00:00.000Z",
	})
	w.runRows(t, ids, []apiRow{
		{name: "delete", user: "alice", method: "DELETE", path: "/api/display-website-groups/{group}/?branch_id={branch}", status: 204},
		{name: "the screen stays, without a group", user: "alice", method: "GET", path: "/api/display-websites/{screen}/?branch_id={branch}", status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["display_website_group"] != nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "the player goes back to registration", key: "{key}", method: "GET", path: "/api/display-website/get-active-content?id={screen}", status: 404,
			want: `{"detail":"No display_website_group found."}`},
		{name: "where it waits for a group", method: "GET", path: "/api/check-screen-group/?screenId={screen}&apiKey={key}", status: 200,
			want: `{"groupId":null}`},
	})
	if n := w.count(t, collections.ScheduledContents); n != 0 {
		t.Fatalf("%d schedules left of the deleted group", n)
	}
}
