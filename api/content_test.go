package api_test

import (
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// contentIDs adds categories, tags and an interactive slideshow to the
// signage ids of both organisations.
func contentIDs(t *testing.T, w *world, a, o signage) map[string]string {
	ids := playerIDs(t, w, a, o)
	org := w.ids(t)
	ids["cat"] = w.record(t, collections.Categories, map[string]any{"name": "Events", "organisation": org["aarhus"]})
	ids["tag"] = w.record(t, collections.Tags, map[string]any{"name": "Library", "organisation": org["aarhus"]})
	ids["o_cat"] = w.record(t, collections.Categories, map[string]any{"name": "Events", "organisation": org["odense"]})
	ids["o_tag"] = w.record(t, collections.Tags, map[string]any{"name": "Library", "organisation": org["odense"]})
	ids["kiosk"] = w.record(t, collections.Slideshows, map[string]any{"name": "kiosk", "branch": a.branch, "mode": "interactive"})
	ids["global_show"] = w.record(t, collections.Slideshows, map[string]any{"name": "elsewhere", "branch": org["aarhus_global_branch"]})
	return ids
}

func TestSlideshowEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := contentIDs(t, w, a, o)
	list := "/api/manage_content/?branch_id={branch}"
	before := w.count(t, collections.Slideshows)
	w.runRows(t, ids, []apiRow{
		{name: "list without data, by name", user: "aarhus_employee", method: "GET", path: list + "&includeSlideshowData=false", status: 200,
			check: func(t *testing.T, r response) {
				l := w.list(t, r)
				names := []string{}
				for _, s := range l {
					names = append(names, s["name"].(string))
					if _, has := s["slideshow_data"]; has {
						t.Fatalf("data included: %v", s)
					}
				}
				if strings.Join(names, ",") != "aarhus portrait,aarhus welcome,kiosk" {
					t.Fatalf("names %v", names)
				}
			}},
		{name: "one with data", user: "alice", method: "GET", path: list + "&id={slideshow}", status: 200, want: slideshowJSON},
		{name: "one from the detail route", user: "alice", method: "GET", path: "/api/manage_content/{slideshow}/?branch_id={branch}", status: 200, want: slideshowJSON},
		{name: "only emergency ones", user: "alice", method: "GET", path: list + "&is_emergency_slideshow=yes", status: 200, want: `[]`},
		{name: "one of another branch", user: "alice", method: "GET", path: list + "&id={o_slideshow}", status: 404,
			want: `{"detail":"No Slideshow matches the given query."}`},
		{name: "list another organisation's branch", user: "alice", method: "GET", path: "/api/manage_content/?branch_id={o_branch}", status: 403,
			want: `{"detail":"User 'alice' does not have permission to access branch_id={o_branch}."}`},
		{name: "anonymous", method: "GET", path: list, status: 401},
		{name: "create", user: "alice", method: "POST", path: list,
			body:   map[string]any{"name": "Tall", "mode": "slideshow", "preview_width": 1080, "preview_height": 1920, "category_id": "{cat}", "tag_ids": []any{"{tag}"}},
			status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["tall"] = string(mustJSON(t, m["id"]))
				if m["aspect_ratio"] != "9:16" || m["category"].(map[string]any)["name"] != "Events" || len(m["tags"].([]any)) != 1 ||
					string(mustJSON(t, m["created_by"])) != w.users["alice"].Id || string(mustJSON(t, m["slideshow_data"])) != "{}" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "create with a bad mode and size", user: "alice", method: "POST", path: list,
			body: map[string]any{"name": "x", "mode": "x", "preview_width": 0}, status: 400,
			want: `{"mode":["\"x\" is not a valid choice."],"preview_width":["Ensure this value is greater than or equal to 1."]}`},
		{name: "create without name", user: "alice", method: "POST", path: list, body: map[string]any{}, status: 400, want: `{"name":["This field is required."]}`},
		{name: "another organisation's category", user: "alice", method: "POST", path: list,
			body: map[string]any{"name": "x", "category_id": "{o_cat}"}, status: 400, want: `{"category_id":["Invalid pk \"{o_cat}\" - object does not exist."]}`},
		{name: "another organisation's tag", user: "alice", method: "POST", path: list,
			body: map[string]any{"name": "x", "tag_ids": []any{"{tag}", "{o_tag}"}}, status: 400, want: `{"tag_ids":["Invalid pk \"{o_tag}\" - object does not exist."]}`},
		{name: "copy: re-post what was read (tags as objects)", user: "alice", method: "POST", path: list,
			body: map[string]any{"name": "Tall (copy)", "mode": "slideshow", "preview_width": 1080, "preview_height": 1920,
				"tags": []any{map[string]any{"id": "{tag}", "name": "Library"}}, "category": map[string]any{"id": "{cat}"}, "slideshow_data": map[string]any{"slides": []any{}}},
			status: 201,
			check: func(t *testing.T, r response) {
				if m := r.json(t); len(m["tags"].([]any)) != 1 || m["category"].(map[string]any)["name"] != "Events" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "autosave with the camelCase preview keys", user: "aarhus_employee", method: "PATCH", path: "/api/manage_content/{slideshow}/?branch_id={branch}",
			body: map[string]any{"previewWidth": 1080, "previewHeight": 1920, "slideshow_data": map[string]any{"slides": []any{map[string]any{"id": 2}}}}, status: 200,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				if m["aspect_ratio"] != "9:16" || string(mustJSON(t, m["slideshow_data"])) != `{"slides":[{"id":2}]}` || m["name"] != "aarhus welcome" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "clear the category", user: "alice", method: "PATCH", path: "/api/manage_content/{tall}/?branch_id={branch}",
			body: map[string]any{"category_id": nil}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["category"] != nil || len(m["tags"].([]any)) != 1 {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "patch as another organisation", user: "olga", method: "PATCH", path: "/api/manage_content/{tall}/?branch_id={branch}",
			body: map[string]any{"name": "x"}, status: 403},
		{name: "patch through another branch", user: "olga", method: "PATCH", path: "/api/manage_content/{tall}/?branch_id={o_branch}",
			body: map[string]any{"name": "x"}, status: 404, want: `{"detail":"No Slideshow matches the given query."}`},
		{name: "post on a detail route", user: "alice", method: "POST", path: "/api/manage_content/{tall}/?branch_id={branch}", status: 405},
		{name: "patch on the list route", user: "alice", method: "PATCH", path: list, status: 405},
		{name: "delete", user: "alice", method: "DELETE", path: "/api/manage_content/{tall}/?branch_id={branch}", status: 204},
	})
	if got := w.count(t, collections.Slideshows); got != before+1 {
		t.Fatalf("%d slideshows, want %d", got, before+1)
	}
}

func TestPlaylistEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := contentIDs(t, w, a, o)
	list := "/api/slideshow-playlists/?branch_id={branch}"
	items := "/api/slideshow-playlist-items/"
	w.runRows(t, ids, []apiRow{
		{name: "list", user: "aarhus_employee", method: "GET", path: list, status: 200,
			check: func(t *testing.T, r response) {
				l := w.list(t, r)
				if len(l) != 1 || l[0]["name"] != "aarhus loop" || len(l[0]["items"].([]any)) != 2 || l[0]["updated_at"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "create", user: "alice", method: "POST", path: list, body: map[string]any{"name": "Evening"}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["evening"] = string(mustJSON(t, m["id"]))
				if m["aspect_ratio"] != "16:9" || len(m["items"].([]any)) != 0 || string(mustJSON(t, m["branch"])) != a.branch {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "rename with a PUT of the name alone", user: "alice", method: "PUT", path: "/api/slideshow-playlists/{evening}/?branch_id={branch}",
			body: map[string]any{"name": "Night"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["name"] != "Night" || m["aspect_ratio"] != "16:9" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "PUT without a name", user: "alice", method: "PUT", path: "/api/slideshow-playlists/{evening}/?branch_id={branch}",
			body: map[string]any{"aspect_ratio": "4:3"}, status: 400, want: `{"name":["This field is required."]}`},
		{name: "PATCH is not a playlist method", user: "alice", method: "PATCH", path: "/api/slideshow-playlists/{evening}/?branch_id={branch}", status: 405},
		{name: "another organisation's playlist", user: "alice", method: "GET", path: list + "&id={o_playlist}", status: 404,
			want: `{"detail":"No SlideshowPlaylist matches the given query."}`},
		{name: "items need playlist_id", user: "alice", method: "GET", path: items, status: 400, want: `{"detail":"playlist_id is required."}`},
		{name: "items of another organisation", user: "alice", method: "GET", path: items + "?playlist_id={o_playlist}", status: 403,
			want: `{"detail":"Not allowed to view this playlist."}`},
		{name: "add an item at the end", user: "alice", method: "POST", path: items + "?branch_id={branch}",
			body: map[string]any{"slideshow_playlist": "{evening}", "slideshow": "{slideshow}"}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["it"] = string(mustJSON(t, m["id"]))
				if m["position"] != 1.0 || m["slideshow"].(map[string]any)["slideshow_data"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "an interactive slideshow", user: "alice", method: "POST", path: items,
			body: map[string]any{"slideshow_playlist": "{evening}", "slideshow": "{kiosk}"}, status: 400,
			want: `{"non_field_errors":["Interactive manage_content cannot be added to playlists."]}`},
		{name: "a slideshow of another ratio", user: "alice", method: "POST", path: items,
			body: map[string]any{"slideshow_playlist": "{evening}", "slideshow": "{portrait}"}, status: 400,
			want: `{"non_field_errors":["Slideshow aspect ratio (9:16) does not match playlist aspect ratio (16:9). Only slideshows with matching aspect ratios can be added to this playlist."]}`},
		{name: "a slideshow of another branch", user: "alice", method: "POST", path: items,
			body: map[string]any{"slideshow_playlist": "{evening}", "slideshow": "{global_show}"}, status: 400,
			want: `{"detail":"Slideshow and playlist must be in the same branch."}`},
		{name: "into another organisation's playlist", user: "alice", method: "POST", path: items,
			body: map[string]any{"slideshow_playlist": "{o_playlist}", "slideshow": "{o_slideshow}"}, status: 403,
			want: `{"detail":"Not allowed to modify this branch content."}`},
		{name: "missing fields", user: "alice", method: "POST", path: items, body: map[string]any{}, status: 400,
			want: `{"slideshow_playlist":["This field is required."],"slideshow":["This field is required."]}`},
		{name: "reorder", user: "alice", method: "PATCH", path: items + "{item2}/?branch_id={branch}", body: map[string]any{"position": 0}, status: 400,
			want: `{"position":["Ensure this value is greater than or equal to 1."]}`},
		{name: "move the second item first", user: "aarhus_employee", method: "PATCH", path: items + "{item2}/?branch_id={branch}",
			body: map[string]any{"position": 1}, status: 200},
		{name: "move the first item last", user: "aarhus_employee", method: "PATCH", path: items + "{item1}/?branch_id={branch}",
			body: map[string]any{"position": 2}, status: 200},
		{name: "the new order", user: "alice", method: "GET", path: items + "?playlist_id={playlist}", status: 200,
			check: func(t *testing.T, r response) {
				l := w.list(t, r)
				if len(l) != 2 || string(mustJSON(t, l[0]["id"])) != a.item2 || string(mustJSON(t, l[1]["id"])) != a.item1 {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "reorder another organisation's item", user: "olga", method: "PATCH", path: items + "{item1}/", body: map[string]any{"position": 5}, status: 403,
			want: `{"detail":"Not allowed."}`},
		{name: "delete another organisation's item", user: "olga", method: "DELETE", path: items + "{item1}/", status: 403},
		{name: "delete an item", user: "alice", method: "DELETE", path: items + "{it}/", status: 204},
		{name: "delete the playlist", user: "alice", method: "DELETE", path: "/api/slideshow-playlists/{evening}/?branch_id={branch}", status: 204},
		{name: "latest edited playlists", user: "alice", method: "GET", path: "/api/branch/latest-edited-playlists/?branch_id={branch}", status: 200,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				res := m["results"].([]any)
				first := res[0].(map[string]any)
				if m["items_per_page"] != 20.0 || len(res) != 1 || first["name"] != "aarhus loop" || !strings.HasSuffix(first["last_edited"].(string), "+00:00") {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "latest edited slideshows of another organisation", user: "alice", method: "GET", path: "/api/branch/latest-edited-slideshows/?branch_id={o_branch}", status: 403},
	})
}

func TestWayfindingEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := contentIDs(t, w, a, o)
	data := map[string]any{"description": "Ground floor", "maps": []any{}, "points_of_interest": []any{}, "routes": []any{}}
	w.runRows(t, ids, []apiRow{
		{name: "create (branch in the body)", user: "alice", method: "POST", path: "/api/wayfinding/",
			body: map[string]any{"name": "Main library", "wayfinding_data": data, "branch_id": "{branch}"}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["wf"] = string(mustJSON(t, m["id"]))
				if m["wayfinding_data"].(map[string]any)["description"] != "Ground floor" || m["updated_at"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "the public page reads it with the key", key: "{key}", method: "GET", path: "/api/wayfinding/?id={wf}", status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["name"] != "Main library" || m["wayfinding_data"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "list without data", user: "aarhus_employee", method: "GET", path: "/api/wayfinding/?branch_id={branch}&includeWayfindingData=false", status: 200,
			check: func(t *testing.T, r response) {
				if l := w.list(t, r); len(l) != 1 || l[0]["wayfinding_data"] != nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "a key with another branch_id", key: "{key}", method: "GET", path: "/api/wayfinding/?branch_id={o_branch}", status: 401,
			want: `{"detail":"API key not valid for this branch."}`},
		{name: "another branch's key", key: "{o_key}", method: "GET", path: "/api/wayfinding/{wf}/", status: 404,
			want: `{"detail":"No Wayfinding matches the given query."}`},
		{name: "a key cannot write", key: "{key}", method: "POST", path: "/api/wayfinding/?branch_id={branch}", body: map[string]any{"name": "x"}, status: 401},
		{name: "another organisation cannot read", user: "olga", method: "GET", path: "/api/wayfinding/?branch_id={branch}", status: 403},
		{name: "rename", user: "alice", method: "PATCH", path: "/api/wayfinding/{wf}/", body: map[string]any{"name": "Library", "branch_id": "{branch}"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["name"] != "Library" || m["wayfinding_data"] == nil {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "a key and a token cannot delete", user: "alice", key: "{key}", method: "DELETE", path: "/api/wayfinding/{wf}/?branch_id={branch}", status: 403,
			want: `{"detail":"API keys cannot delete wayfinding."}`},
		{name: "a key alone cannot delete", key: "{key}", method: "DELETE", path: "/api/wayfinding/{wf}/?branch_id={branch}", status: 401},
		{name: "delete", user: "alice", method: "DELETE", path: "/api/wayfinding/{wf}/?branch_id={branch}", status: 204},
	})
}
