package api_test

import (
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func TestScheduledContentEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	ids["recurring"] = w.record(t, collections.RecurringScheduledContents, map[string]any{
		"display_website_group": a.group, "playlist": a.playlist, "weekday": 2, // Wednesday
		"start_time": "08:00", "end_time": "09:00", "active_from": "2026-01-01",
	})
	url := "/api/scheduled-contents/?branch_id={branch}"
	window := func(start, end string, extra map[string]any) map[string]any {
		b := map[string]any{"display_website_group": "{group}", "start_time": start, "end_time": end, "slideshow_id": "{slideshow}"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	var created string
	before := w.count(t, collections.ScheduledContents)

	w.runRows(t, ids, []apiRow{
		{name: "create an override (datetime-local input is local time)", user: "alice", method: "POST", path: url,
			body: window("2026-04-01T10:00", "2026-04-01T12:00", map[string]any{"description": "Opening"}), status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				created = string(mustJSON(t, m["id"]))
				ids["sched"] = created
				if m["start_time"] != "2026-04-01T10:00:00+02:00" || m["end_time"] != "2026-04-01T12:00:00+02:00" ||
					m["combine_with_default"] != false || m["description"] != "Opening" || m["playlist"] != nil ||
					m["slideshow"].(map[string]any)["name"] != "aarhus welcome" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "an override may not overlap anything", user: "alice", method: "POST", path: url,
			body: window("2026-04-01T11:00:00+02:00", "2026-04-01T13:00:00+02:00", nil), status: 400,
			want: `{"non_field_errors":["Cannot schedule an override as other content is already present: 'aarhus welcome'."]}`},
		{name: "a combine row may not overlap an override", user: "alice", method: "POST", path: url,
			body: window("2026-04-01T09:00", "2026-04-01T10:30", map[string]any{"combine_with_default": true}), status: 400,
			want: `{"non_field_errors":["Cannot schedule content as an override is already present: 'aarhus welcome'."]}`},
		{name: "back to back is fine (UTC input)", user: "alice", method: "POST", path: url,
			body: window("2026-04-01T10:00:00Z", "2026-04-01T11:00:00Z", nil), status: 201},
		{name: "an override may not overlap a recurring row", user: "alice", method: "POST", path: url,
			body: window("2026-04-08T08:30", "2026-04-08T08:45", nil), status: 400,
			want: `{"non_field_errors":["Cannot schedule an override as other recurring content is already present: 'aarhus loop'."]}`},
		{name: "end before start", user: "alice", method: "POST", path: url,
			body: window("2026-05-01T12:00", "2026-05-01T10:00", nil), status: 400,
			want: `{"non_field_errors":["Start time must be before end time."]}`},
		{name: "times missing", user: "alice", method: "POST", path: url,
			body: map[string]any{"display_website_group": "{group}", "slideshow_id": "{slideshow}"}, status: 400,
			want: `{"non_field_errors":["Start and End times are required when scheduling content."]}`},
		{name: "malformed time", user: "alice", method: "POST", path: url,
			body: window("tomorrow", "2026-05-01T10:00", nil), status: 400,
			want: `{"start_time":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}`},
		{name: "both slideshow and playlist", user: "alice", method: "POST", path: url,
			body: window("2026-05-01T10:00", "2026-05-01T11:00", map[string]any{"playlist_id": "{playlist}"}), status: 400,
			want: `{"non_field_errors":["Exactly one of slideshow or playlist must be set."]}`},
		{name: "content of another ratio", user: "alice", method: "POST", path: url,
			body: window("2026-05-01T10:00", "2026-05-01T11:00", map[string]any{"slideshow_id": "{portrait}"}), status: 400,
			want: `{"non_field_errors":["Slideshow aspect ratio (9:16) does not match group (16:9)."]}`},
		{name: "another organisation's slideshow", user: "alice", method: "POST", path: url,
			body: window("2026-05-01T10:00", "2026-05-01T11:00", map[string]any{"slideshow_id": "{o_slideshow}"}), status: 400,
			want: `{"slideshow_id":["Invalid pk \"{o_slideshow}\" - object does not exist."]}`},
		{name: "another organisation's group", user: "alice", method: "POST", path: url,
			body: window("2026-05-01T10:00", "2026-05-01T11:00", map[string]any{"display_website_group": "{o_group}"}), status: 403,
			want: `{"detail":"Not allowed."}`},
		{name: "no group", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{slideshow}", "start_time": "2026-05-01T10:00", "end_time": "2026-05-01T11:00"}, status: 400,
			want: `{"display_website_group":["This field is required."]}`},
		{name: "anonymous", method: "POST", path: url, body: window("2026-05-01T10:00", "2026-05-01T11:00", nil), status: 401},
		{name: "list needs ids", user: "alice", method: "GET", path: url, status: 400, want: `{"detail":"Either 'id' or 'ids' parameter is required."}`},
		{name: "list with malformed ids", user: "alice", method: "GET", path: url + "&ids=1,x", status: 400, want: `{"detail":"Invalid ids parameter."}`},
		{name: "list with a repeated id", user: "alice", method: "GET", path: url + "&ids={group},{group}", status: 404,
			want: `{"detail":"Unknown display website group."}`},
		{name: "list with an unknown id", user: "alice", method: "GET", path: url + "&id=123456", status: 404,
			want: `{"detail":"No DisplayWebsiteGroup matches the given query."}`},
		{name: "list another organisation's group", user: "alice", method: "GET", path: url + "&ids={group},{o_group}", status: 403,
			want: `{"detail":"Not allowed."}`},
		{name: "list", user: "aarhus_employee", method: "GET", path: url + "&ids={group}", status: 200,
			check: func(t *testing.T, r response) {
				l := w.list(t, r)
				if len(l) != 2 || (string(mustJSON(t, l[0]["id"])) != created && string(mustJSON(t, l[1]["id"])) != created) {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "an edit may not run into the next override", user: "alice", method: "PATCH", path: "/api/scheduled-contents/{sched}/?branch_id={branch}",
			body: map[string]any{"end_time": "2026-04-01T12:30", "combine_with_default": true}, status: 400,
			want: `{"non_field_errors":["Cannot schedule content as an override is already present: 'aarhus welcome'."]}`},
		{name: "an edit is not its own conflict", user: "alice", method: "PATCH", path: "/api/scheduled-contents/{sched}/?branch_id={branch}",
			body: map[string]any{"description": nil, "end_time": "2026-04-01T11:30"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["description"] != nil || m["end_time"] != "2026-04-01T11:30:00+02:00" || m["start_time"] != "2026-04-01T10:00:00+02:00" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "edit as another organisation", user: "olga", method: "PATCH", path: "/api/scheduled-contents/{sched}/", body: map[string]any{"description": "x"}, status: 403,
			want: `{"detail":"Not allowed."}`},
		{name: "move to another organisation's group", user: "alice", method: "PATCH", path: "/api/scheduled-contents/{sched}/",
			body: map[string]any{"display_website_group": "{o_group}"}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "delete as another organisation", user: "olga", method: "DELETE", path: "/api/scheduled-contents/{sched}/", status: 403},
		{name: "delete unknown", user: "alice", method: "DELETE", path: "/api/scheduled-contents/99999/", status: 404,
			want: `{"detail":"No ScheduledContent matches the given query."}`},
		{name: "delete", user: "alice", method: "DELETE", path: "/api/scheduled-contents/{sched}/", status: 204},
	})
	if got := w.count(t, collections.ScheduledContents); got != before+1 {
		t.Fatalf("%d rows, want %d (refused writes must leave nothing)", got, before+1)
	}
}

func TestRecurringScheduledContentEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	w.record(t, collections.ScheduledContents, map[string]any{
		"display_website_group": a.group, "slideshow": a.slideshow,
		"start_time": "2026-04-06 08:00:00.000Z", "end_time": "2026-04-06 09:00:00.000Z", // Monday 10-11 CEST
	})
	url := "/api/recurring-scheduled-contents/?branch_id={branch}"
	weekly := func(day int, start, end string, extra map[string]any) map[string]any {
		b := map[string]any{"display_website_group": "{group}", "weekday": day, "start_time": start, "end_time": end,
			"active_from": "2026-03-30", "playlist_id": "{playlist}"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	w.runRows(t, ids, []apiRow{
		{name: "create", user: "alice", method: "POST", path: url, body: weekly(1, "10:00", "12:00", map[string]any{"combine_with_default": "true"}), status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["rec"] = string(mustJSON(t, m["id"]))
				if m["weekday_display"] != "Tuesday" || m["start_time"] != "10:00:00" || m["end_time"] != "12:00:00" ||
					m["active_until"] != nil || m["combine_with_default"] != true || m["playlist"].(map[string]any)["name"] != "aarhus loop" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "an override over the combine row", user: "alice", method: "POST", path: url, body: weekly(1, "11:00", "13:00", nil), status: 400,
			want: `{"non_field_errors":["Cannot schedule an override as other recurring content is already present: 'aarhus loop'."]}`},
		{name: "combine rows may overlap", user: "alice", method: "POST", path: url,
			body: weekly(1, "11:00", "13:00", map[string]any{"combine_with_default": true}), status: 201},
		{name: "an override over a one-off row", user: "alice", method: "POST", path: url, body: weekly(0, "10:30", "11:30", nil), status: 400,
			want: `{"non_field_errors":["Cannot schedule an override as other content is present: 'aarhus welcome' on 2026-04-06."]}`},
		{name: "weekday out of range", user: "alice", method: "POST", path: url, body: weekly(7, "10:00", "11:00", nil), status: 400,
			want: `{"weekday":["\"7\" is not a valid choice."]}`},
		{name: "start after end", user: "alice", method: "POST", path: url, body: weekly(3, "12:00", "11:00", nil), status: 400,
			want: `{"non_field_errors":["Start time must be before end time."]}`},
		{name: "from after until", user: "alice", method: "POST", path: url,
			body: weekly(3, "10:00", "11:00", map[string]any{"active_until": "2026-03-01"}), status: 400,
			want: `{"non_field_errors":["Active from date must be before active until date."]}`},
		{name: "malformed time and date", user: "alice", method: "POST", path: url,
			body: weekly(3, "25:00", "11:00", map[string]any{"active_from": "30/03/2026"}), status: 400,
			want: `{"start_time":["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."],` +
				`"active_from":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`},
		{name: "missing fields", user: "alice", method: "POST", path: url, body: map[string]any{"display_website_group": "{group}", "playlist_id": "{playlist}"}, status: 400,
			want: `{"weekday":["This field is required."],"start_time":["This field is required."],"end_time":["This field is required."],"active_from":["This field is required."]}`},
		{name: "another organisation's playlist", user: "alice", method: "POST", path: url,
			body: weekly(4, "10:00", "11:00", map[string]any{"playlist_id": "{o_playlist}"}), status: 400,
			want: `{"playlist_id":["Invalid pk \"{o_playlist}\" - object does not exist."]}`},
		{name: "list", user: "alice", method: "GET", path: url + "&ids={group}", status: 200,
			check: func(t *testing.T, r response) {
				if l := w.list(t, r); len(l) != 2 {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "list as another organisation", user: "olga", method: "GET", path: "/api/recurring-scheduled-contents/?ids={group}", status: 403,
			want: `{"detail":"Not allowed."}`},
		{name: "end the series", user: "alice", method: "PATCH", path: "/api/recurring-scheduled-contents/{rec}/",
			body: map[string]any{"active_until": "2026-06-30"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["active_until"] != "2026-06-30" || m["start_time"] != "10:00:00" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "delete as another organisation", user: "olga", method: "DELETE", path: "/api/recurring-scheduled-contents/{rec}/", status: 403},
		{name: "delete", user: "alice", method: "DELETE", path: "/api/recurring-scheduled-contents/{rec}/", status: 204},
	})
}

func TestEmergencySlideshowEndpoints(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := a.ids("")
	for k, v := range o.ids("o_") {
		ids[k] = v
	}
	global := w.ids(t)["aarhus_global_branch"]
	ids["gslide"] = w.record(t, collections.Slideshows, map[string]any{"name": "global", "branch": global})
	ids["ggroup"] = w.record(t, collections.DisplayWebsiteGroups, map[string]any{"name": "global lobby", "branch": global, "default_slideshow": ids["gslide"]})
	url := "/api/emergency-slideshows/"
	w.runRows(t, ids, []apiRow{
		{name: "create", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": []any{"{group}"}, "is_active": true}, status: 201,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				ids["em"] = string(mustJSON(t, m["id"]))
				groups := m["display_website_groups"].([]any)
				if m["is_active"] != true || len(groups) != 1 || groups[0].(map[string]any)["name"] != "aarhus lobby" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "no slideshow", user: "alice", method: "POST", path: url, body: map[string]any{"display_website_group_ids": []any{"{group}"}}, status: 400,
			want: `{"non_field_errors":["slideshow_id is required."]}`},
		{name: "no groups", user: "alice", method: "POST", path: url, body: map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": []any{}}, status: 400,
			want: `{"display_website_group_ids":["This list may not be empty."]}`},
		{name: "groups of two branches", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": []any{"{group}", "{ggroup}"}}, status: 400,
			want: `{"detail":"All display website groups must belong to the same branch."}`},
		{name: "groups not a list", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": map[string]any{}}, status: 400,
			want: `{"display_website_group_ids":["Expected a list of items but got type \"dict\"."]}`},
		{name: "another organisation's groups", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": []any{"{o_group}"}}, status: 403, want: `{"detail":"Not allowed."}`},
		{name: "another organisation's slideshow", user: "alice", method: "POST", path: url,
			body: map[string]any{"slideshow_id": "{o_slideshow}", "display_website_group_ids": []any{"{group}"}}, status: 400,
			want: `{"slideshow_id":["Invalid pk \"{o_slideshow}\" - object does not exist."]}`},
		{name: "list (duplicates removed)", user: "alice", method: "GET", path: url + "?ids={group},{group}", status: 200,
			check: func(t *testing.T, r response) {
				if l := w.list(t, r); len(l) != 1 {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "list with only commas", user: "alice", method: "GET", path: url + "?ids=,,", status: 400,
			want: `{"detail":"No valid display website group ids supplied."}`},
		{name: "list with a bad id", user: "alice", method: "GET", path: url + "?id=x", status: 400, want: `{"detail":"Invalid id parameter."}`},
		{name: "list as another organisation", user: "olga", method: "GET", path: url + "?ids={group}", status: 403, want: `{"detail":"Not allowed."}`},
		{name: "get as another organisation", user: "olga", method: "GET", path: url + "{em}/", status: 403, want: `{"detail":"Not allowed."}`},
		{name: "slideshow may not be null", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"slideshow_id": nil}, status: 400,
			want: `{"slideshow_id":["This field may not be null."]}`},
		{name: "switch off", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"is_active": false}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["is_active"] != false {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "move to another organisation's groups", user: "alice", method: "PATCH", path: url + "{em}/",
			body: map[string]any{"display_website_group_ids": []any{"{o_group}"}}, status: 403},
		{name: "delete as another organisation", user: "olga", method: "DELETE", path: url + "{em}/", status: 403},
		{name: "delete", user: "alice", method: "DELETE", path: url + "{em}/", status: 204},
	})
}
