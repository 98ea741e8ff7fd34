package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/collections"
)

// playerIDs are the signage ids plus the organisation tree of aarhus.
func playerIDs(t *testing.T, w *world, a, o signage) map[string]string {
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	ids["org"] = w.ids(t)["aarhus"]
	ids["suborg"] = w.suborg["aarhus"]
	return ids
}

const defaultContent = `{"items":[{"id":{slideshow},"position":0,"slideshow_playlist":1,"slideshow":` + slideshowJSON + `}],` +
	`"slideshow_ids":[{slideshow}],"slideshow_playlist_ids":[],"scheduled_content_ids":[],"recurring_scheduled_content_ids":[],` +
	`"emergency_slideshow_ids":[],"display_website_group_id":{group},"org_id":{org},"suborg_id":{suborg},"branch_id":{branch}}`

func TestActiveContentAccess(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := playerIDs(t, w, a, o)
	ids["lonely"] = w.record(t, collections.DisplayWebsites, map[string]any{"name": "unassigned", "branch": a.branch})
	url := "/api/display-website/get-active-content?id={screen}"
	w.runRows(t, ids, []apiRow{
		{name: "the player with its key", key: "{key}", method: "GET", path: url, status: 200, want: defaultContent},
		{name: "with the trailing slash too", key: "{key}", method: "GET", path: "/api/display-website/get-active-content/?id={screen}", status: 200, want: defaultContent},
		{name: "a signed-in user of the branch", user: "aarhus_employee", method: "GET", path: url, status: 200, want: defaultContent},
		{name: "an unknown key falls back to the token", user: "alice", key: "00000000-0000-4000-8000-000000000000", method: "GET", path: url, status: 200},
		{name: "anonymous", method: "GET", path: url, status: 401, want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "an unknown key alone", key: "00000000-0000-4000-8000-000000000000", method: "GET", path: url, status: 401},
		{name: "a malformed key alone", key: "'; DROP TABLE", method: "GET", path: url, status: 401},
		{name: "another branch's key", key: "{o_key}", method: "GET", path: url, status: 403, want: `{"detail":"API key not valid for this branch."}`},
		{name: "another organisation's user", user: "olga", method: "GET", path: url, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "no id", key: "{key}", method: "GET", path: "/api/display-website/get-active-content", status: 400,
			want: `{"detail":"Display website ID is required."}`},
		{name: "unknown screen", key: "{key}", method: "GET", path: "/api/display-website/get-active-content?id=424242", status: 404,
			want: `{"detail":"No DisplayWebsite matches the given query."}`},
		{name: "malformed screen id", key: "{key}", method: "GET", path: "/api/display-website/get-active-content?id=abc", status: 404,
			want: `{"detail":"No DisplayWebsite matches the given query."}`},
		{name: "a screen without a group", key: "{key}", method: "GET", path: "/api/display-website/get-active-content?id={lonely}", status: 404,
			want: `{"detail":"No display_website_group found."}`},
		{name: "wrong method", key: "{key}", method: "POST", path: url, status: 405},
	})
}

// The cached answer follows every edit and every schedule boundary.
func TestActiveContentFollowsEditsAndTime(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := playerIDs(t, w, a, o)
	get := func(t *testing.T) response {
		return w.do(t, "GET", "/api/display-website/get-active-content?id="+a.screen, nil, "X-API-KEY: "+a.key)
	}
	expect(t, get(t), 200, sub(defaultContent, ids))

	// Sunday 03:00-04:00 local; the clock is Sunday 03:30 CEST.
	rec := w.record(t, collections.RecurringScheduledContents, map[string]any{
		"display_website_group": a.group, "playlist": a.playlist, "weekday": 6,
		"start_time": "03:00", "end_time": "04:00", "active_from": "2026-03-01",
	})
	ids["rec"] = rec
	r := get(t)
	m := r.json(t)
	items := m["items"].([]any)
	if len(items) != 2 || string(mustJSON(t, items[0].(map[string]any)["id"])) != a.item1 ||
		string(mustJSON(t, m["recurring_scheduled_content_ids"])) != "["+rec+"]" ||
		string(mustJSON(t, m["slideshow_playlist_ids"])) != "["+a.playlist+"]" {
		t.Fatalf("a new schedule was not picked up: %s", r.Body)
	}

	w.now = fixedNow.Add(35 * time.Minute) // 04:05 local: the window has ended
	expect(t, get(t), 200, sub(defaultContent, ids))

	em := w.record(t, collections.EmergencySlideshows, map[string]any{
		"slideshow": a.portrait, "display_website_groups": []string{a.group}, "is_active": true,
	})
	if m := get(t).json(t); m["emergency_active"] != true || string(mustJSON(t, m["emergency_slideshow_ids"])) != "["+em+"]" {
		t.Fatalf("emergency not shown: %v", m)
	}
	r = w.do(t, "PATCH", "/api/emergency-slideshows/"+em+"/", map[string]any{"is_active": false}, "Authorization: "+w.bearer(t, "alice"))
	expect(t, r, 200, "")
	expect(t, get(t), 200, sub(defaultContent, ids))

	if err := w.app.Delete(mustFind(t, w, collections.Slideshows, a.slideshow)); err != nil {
		t.Fatal(err)
	}
	expect(t, get(t), 404, `{"detail":"No default content found."}`)
}

func TestScreenHealth(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	list := func(t *testing.T) map[string]any {
		r := w.do(t, "GET", "/api/display-websites/?branch_id="+a.branch, nil, "Authorization: "+w.bearer(t, "alice"))
		return w.list(t, r)[0]
	}
	poll := func(t *testing.T) {
		expect(t, w.do(t, "GET", "/api/display-website/get-active-content?id="+a.screen, nil, "X-API-KEY: "+a.key), 200, "")
	}
	if m := list(t); m["online"] != false || m["last_seen"] != nil {
		t.Fatalf("never seen: %v", m)
	}
	// A user looking at the screen's content is not the screen.
	expect(t, w.do(t, "GET", "/api/display-website/get-active-content?id="+a.screen, nil, "Authorization: "+w.bearer(t, "alice")), 200, "")
	if m := list(t); m["last_seen"] != nil {
		t.Fatalf("a user's request counted as the screen: %v", m)
	}
	poll(t)
	if m := list(t); m["online"] != true || m["last_seen"] != "2026-03-29T03:30:00+02:00" {
		t.Fatalf("after a poll: %v", m)
	}
	stored := mustFind(t, w, collections.DisplayWebsites, a.screen).Get("last_content")
	if !strings.Contains(string(mustJSON(t, stored)), `"slideshow_ids":["`+a.slideshow+`"]`) {
		t.Fatalf("last_content %s", mustJSON(t, stored))
	}
	w.now = fixedNow.Add(5 * time.Second)
	poll(t) // same content within seconds: no write
	if m := list(t); m["last_seen"] != "2026-03-29T03:30:00+02:00" {
		t.Fatalf("written again within seconds: %v", m)
	}
	w.now = fixedNow.Add(20 * time.Second)
	poll(t)
	if m := list(t); m["last_seen"] != "2026-03-29T03:30:20+02:00" {
		t.Fatalf("not written after the interval: %v", m)
	}
	w.now = fixedNow.Add(time.Hour)
	if m := list(t); m["online"] != false {
		t.Fatalf("still online after an hour of silence: %v", m)
	}
}

func TestBranchActiveAndUpcomingContent(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := playerIDs(t, w, a, o)
	ids["empty"] = w.record(t, collections.DisplayWebsiteGroups, map[string]any{"name": "zz empty", "branch": a.branch, "default_playlist": w.record(t,
		collections.Playlists, map[string]any{"name": "nothing yet", "branch": a.branch})})
	ids["rec"] = w.record(t, collections.RecurringScheduledContents, map[string]any{
		"display_website_group": a.group, "playlist": a.playlist, "weekday": 6,
		"start_time": "03:00", "end_time": "04:00", "active_from": "2026-03-01",
	})
	ids["one"] = w.record(t, collections.ScheduledContents, map[string]any{
		"display_website_group": a.group, "slideshow": a.slideshow,
		"start_time": "2026-03-30 08:00:00.000Z", "end_time": "2026-03-30 09:00:00.000Z",
	})
	active := "/api/branch/get-active-content/?branch_id={branch}"
	upcoming := "/api/branch/get-upcoming-content/?branch_id={branch}"
	w.runRows(t, ids, []apiRow{
		{name: "active, paginated and grouped", user: "aarhus_employee", method: "GET", path: active + "&page=1&page_size=1", status: 200,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				results, grouped := m["results"].([]any), m["grouped"].([]any)
				if m["count"] != 2.0 || m["num_pages"] != 2.0 || m["next"] != 2.0 || m["previous"] != nil || len(results) != 1 || len(grouped) != 2 {
					t.Fatalf("%s", r.Body)
				}
				first := results[0].(map[string]any)
				if first["display_website_group"] != "aarhus lobby" || string(mustJSON(t, first["id"])) != a.item1 {
					t.Fatalf("%v", first)
				}
				sizes := map[any]int{}
				for _, g := range grouped {
					g := g.(map[string]any)
					sizes[g["display_website_group"]] = len(g["items"].([]any))
				}
				if sizes["zz empty"] != 0 || sizes["aarhus lobby"] != 2 || len(sizes) != 2 {
					t.Fatalf("grouped sizes %v", sizes)
				}
			}},
		{name: "active with the branch key", key: "{key}", method: "GET", path: active, status: 200},
		{name: "active without branch", user: "alice", method: "GET", path: "/api/branch/get-active-content/", status: 400, want: `{"detail":"branch_id is required."}`},
		{name: "active of an unknown branch", user: "alice", method: "GET", path: "/api/branch/get-active-content/?branch_id=999", status: 404,
			want: `{"detail":"No Branch matches the given query."}`},
		{name: "active anonymous", method: "GET", path: active, status: 401, want: `{"detail":"Authentication required."}`},
		{name: "active with another branch's key", key: "{o_key}", method: "GET", path: active, status: 403, want: `{"detail":"API key not valid for this branch."}`},
		{name: "active with an unknown key", key: "not-a-key", method: "GET", path: active, status: 403, want: `{"detail":"Invalid or inactive API key."}`},
		{name: "active as another organisation", user: "olga", method: "GET", path: active, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "upcoming", user: "alice", method: "GET", path: upcoming, status: 200,
			want: `{"results":[` +
				`{"type":"scheduled","id":{one},"group":"aarhus lobby","start_time":"2026-03-30T08:00:00+00:00","end_time":"2026-03-30T09:00:00+00:00",` +
				`"content":{"type":"slideshow","id":{slideshow},"name":"aarhus welcome"}},` +
				`{"type":"recurring","id":{rec},"group":"aarhus lobby","start_time":"2026-04-05T03:00:00+02:00","end_time":"2026-04-05T04:00:00+02:00",` +
				`"content":{"type":"playlist","id":{playlist},"name":"aarhus loop"}}]}`},
		{name: "upcoming as another organisation", user: "olga", method: "GET", path: upcoming, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "upcoming with another branch's key", key: "{o_key}", method: "GET", path: upcoming, status: 403},
	})
}
