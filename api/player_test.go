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

// A user asks what a screen plays at another instant, across both of
// Copenhagen's daylight-saving changes; nothing is cached or recorded.
func TestActiveContentAt(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := playerIDs(t, w, a, o)
	// Sundays 03:00-04:00 and 02:00-02:30 local, wall clock.
	ids["rec"] = w.record(t, collections.RecurringScheduledContents, map[string]any{
		"display_website_group": a.group, "playlist": a.playlist, "weekday": 6,
		"start_time": "03:00", "end_time": "04:00", "active_from": "2026-03-01",
	})
	ids["night"] = w.record(t, collections.RecurringScheduledContents, map[string]any{
		"display_website_group": a.group, "slideshow": a.slideshow, "weekday": 6,
		"start_time": "02:00", "end_time": "02:30", "active_from": "2026-03-01",
	})
	w.now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a Sunday noon: the default plays now
	url := "/api/display-website/get-active-content?id={screen}&at="
	// recurring checks the rows that play (in any order, the ids are
	// random); none means the default.
	recurring := func(want string) func(t *testing.T, r response) {
		return func(t *testing.T, r response) {
			m := r.json(t)
			got := string(mustJSON(t, m["recurring_scheduled_content_ids"]))
			wantIDs := strings.Split(strings.Trim(sub(want, ids), "[]"), ",")
			same := strings.Count(got, ",") == len(wantIDs)-1 && (want != "[]" || got == "[]")
			for _, id := range wantIDs {
				same = same && strings.Contains(got, id)
			}
			if !same || string(mustJSON(t, m["display_website_group_id"])) != a.group {
				t.Fatalf("recurring ids %s, want %s: %s", got, sub(want, ids), r.Body)
			}
			if want == "[]" && (string(mustJSON(t, m["slideshow_ids"])) != "["+a.slideshow+"]" || len(m["items"].([]any)) != 1) {
				t.Fatalf("not the default: %s", r.Body)
			}
		}
	}
	w.runRows(t, ids, []apiRow{
		{name: "now, without at", user: "alice", method: "GET", path: "/api/display-website/get-active-content?id={screen}", status: 200,
			check: recurring("[]")},
		// Spring: 02:00 CET jumps to 03:00 CEST; 01:30Z is 03:30 CEST.
		{name: "before the spring change", user: "aarhus_employee", method: "GET", path: url + "2026-03-29T01:30:00%2B01:00", status: 200, check: recurring("[]")},
		{name: "after the spring change", user: "aarhus_employee", method: "GET", path: url + "2026-03-29T03:30:00%2B02:00", status: 200, check: recurring("[{rec}]")},
		{name: "the same instant in UTC", user: "aarhus_employee", method: "GET", path: url + "2026-03-29T01:30:00Z", status: 200, check: recurring("[{rec}]")},
		{name: "an unencoded plus", user: "aarhus_employee", method: "GET", path: url + "2026-03-29T03:30:00+02:00", status: 200, check: recurring("[{rec}]")},
		// 02:00-02:30 does not exist that day: both ends are 03:00.
		{name: "the 02:00 row at the end of the gap", user: "alice", method: "GET", path: url + "2026-03-29T03:00:00%2B02:00", status: 200, check: recurring("[{night},{rec}]")},
		{name: "and not after it", user: "alice", method: "GET", path: url + "2026-03-29T03:15:00%2B02:00", status: 200, check: recurring("[{rec}]")},
		// Autumn: 03:00 CEST falls back to 02:00 CET; 02:15 occurs twice
		// and the row plays at its first occurrence only.
		{name: "02:15 CEST, first occurrence", user: "alice", method: "GET", path: url + "2026-10-25T02:15:00%2B02:00", status: 200, check: recurring("[{night}]")},
		{name: "02:15 CET, second occurrence", user: "alice", method: "GET", path: url + "2026-10-25T02:15:00%2B01:00", status: 200, check: recurring("[]")},
		{name: "03:30 CET", user: "alice", method: "GET", path: url + "2026-10-25T03:30:00%2B01:00", status: 200, check: recurring("[{rec}]")},
		{name: "a screen key may not ask", key: "{key}", method: "GET", path: url + "2026-03-29T03:30:00Z", status: 403,
			want: `{"detail":"The at parameter is only for signed-in users, not for screens."}`},
		{name: "an empty at", user: "alice", method: "GET", path: url, status: 400,
			want: `{"at":["Enter a valid RFC 3339 date-time, e.g. 2026-03-29T03:30:00+02:00."]}`},
		{name: "no offset", user: "alice", method: "GET", path: url + "2026-03-29T03:30:00", status: 400},
		{name: "a date only", user: "alice", method: "GET", path: url + "2026-03-29", status: 400},
		{name: "another organisation's user", user: "olga", method: "GET", path: url + "2026-03-29T03:30:00Z", status: 403, want: `{"detail":"Not allowed."}`},
		{name: "anonymous", method: "GET", path: url + "2026-03-29T03:30:00Z", status: 401},
		{name: "now is still the default", user: "alice", method: "GET", path: "/api/display-website/get-active-content?id={screen}", status: 200,
			check: recurring("[]")},
	})
	if seen := mustFind(t, w, collections.DisplayWebsites, a.screen).GetString("last_seen"); seen != "" {
		t.Fatalf("a look at another instant touched the screen's health: last_seen %q", seen)
	}
}
