package api_test

import (
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func TestScreenRegistration(t *testing.T) {
	w := newWorld(t)
	a, o := w.signage(t, "aarhus"), w.signage(t, "odense")
	ids := playerIDs(t, w, a, o)
	global := w.ids(t)["aarhus_global_branch"]
	ids["roamer"] = w.record(t, collections.DisplayWebsites, map[string]any{
		"name": "roamer", "uid": "mdm-42", "branch": global, "aspect_ratio": "16:9",
	})
	w.record(t, collections.DisplayWebsites, map[string]any{"name": "odense kiosk", "uid": "mdm-99", "branch": o.branch})
	screenID := func(t *testing.T, r response) string { return string(mustJSON(t, r.json(t)["screenId"])) }
	nameOf := func(id string) string { return mustFind(t, w, collections.DisplayWebsites, id).GetString("name") }

	w.runRows(t, ids, []apiRow{
		{name: "create without a key", method: "POST", path: "/api/create-screen/", body: map[string]any{}, status: 400, want: `{"error":"API key is required."}`},
		{name: "create with an unknown key", method: "POST", path: "/api/create-screen/", body: map[string]any{"apiKey": "nope"}, status: 400,
			want: `{"error":"Invalid API key."}`},
		{name: "create", method: "POST", path: "/api/create-screen/", body: map[string]any{"apiKey": "{key}", "aspect_ratio": "9:16"}, status: 200,
			check: func(t *testing.T, r response) {
				id := screenID(t, r)
				s := mustFind(t, w, collections.DisplayWebsites, id)
				expect(t, r, 200, `{"screenId":`+id+`,"name":"SCR`+id+`","branch_id":`+a.branch+`}`)
				if s.GetString("aspect_ratio") != "9:16" || s.GetString("branch") != a.branch || s.GetString("display_website_group") != "" {
					t.Fatalf("%v", s)
				}
			}},
		{name: "create named after the hostname (key in the query)", method: "POST", path: "/api/create-screen/?apiKey={key}&hostname=aarhus%20screen%201", status: 200,
			check: func(t *testing.T, r response) {
				if got := r.json(t)["name"]; got != "aarhus screen 1 (2)" {
					t.Fatalf("a taken hostname gave %v", got)
				}
			}},
		{name: "throttled after the rate", method: "POST", path: "/api/create-screen/", body: map[string]any{"apiKey": "{key}"}, status: 200},
		{name: "throttled", method: "POST", path: "/api/create-screen/", body: map[string]any{"apiKey": "{key}"}, status: 429,
			want: `{"detail":"Request was throttled. Expected available in 60 seconds."}`,
			check: func(t *testing.T, r response) {
				if r.Header.Get("Retry-After") != "60" {
					t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
				}
			}},
		{name: "the throttle is per key", method: "POST", path: "/api/create-screen/", body: map[string]any{"apiKey": "{o_key}", "uid": "mdm-99", "hostname": "kiosk-2"}, status: 200,
			check: func(t *testing.T, r response) {
				if m := r.json(t); m["name"] != "kiosk-2" {
					t.Fatalf("the uid's screen was not renamed: %v", m)
				}
			}},
		{name: "check without parameters", method: "GET", path: "/api/check-screen-group/?apiKey={key}", status: 400, want: `{"error":"Missing required parameters"}`},
		{name: "check with an unknown key", method: "GET", path: "/api/check-screen-group/?apiKey=x&screenId={screen}", status: 400, want: `{"error":"Invalid API key."}`},
		{name: "check a screen with a group", method: "GET", path: "/api/check-screen-group/?apiKey={key}&screenId={screen}", status: 200,
			want: `{"groupId":{group},"groupName":"aarhus lobby"}`},
		{name: "check another branch's screen", method: "GET", path: "/api/check-screen-group/?apiKey={key}&screenId={o_screen}", status: 404,
			want: `{"error":"Screen not found"}`},
		{name: "check a malformed screen id", method: "GET", path: "/api/check-screen-group/?apiKey={key}&screenId=abc", status: 404,
			want: `{"error":"Screen not found"}`},
		{name: "check an unknown uid", method: "GET", path: "/api/check-screen-group/?apiKey={key}&screenId={screen}&uid=ghost", status: 404,
			want: `{"error":"Screen not found"}`},
		{name: "a uid of another organisation is not claimed", method: "GET", path: "/api/check-screen-group/?apiKey={key}&screenId=1&uid=mdm-99", status: 404,
			want: `{"error":"Screen not found"}`},
		{name: "a uid elsewhere in the organisation moves here, without a group", method: "GET",
			path: "/api/check-screen-group/?apiKey={key}&screenId=1&uid=mdm-42&hostname=lobby-pc", status: 200, want: `{"groupId":null}`,
			check: func(t *testing.T, r response) {
				s := mustFind(t, w, collections.DisplayWebsites, ids["roamer"])
				if s.GetString("branch") != a.branch || s.GetString("name") != "lobby-pc" {
					t.Fatalf("not moved: %v", s)
				}
			}},
		{name: "register-screen", method: "GET", path: "/api/register-screen/?apiKey={key}&screenId={o_screen}", status: 200,
			want: `{"screen":null,"api_key":"{key}","branch_id":{branch},"branch_name":"Demo Branch"}`},
		{name: "register-screen with its screen", method: "GET", path: "/api/register-screen/?apiKey={key}&screenId={screen}", status: 200,
			check: func(t *testing.T, r response) {
				if s, _ := r.json(t)["screen"].(map[string]any); s == nil || s["name"] != "aarhus screen 1" {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "register-screen without a key", method: "GET", path: "/api/register-screen/", status: 400, want: `{"error":"API key is required."}`},
		{name: "create-screen is POST only", method: "GET", path: "/api/create-screen/?apiKey={key}", status: 405},
	})
	if got := nameOf(o.screen); got != "odense screen 1" {
		t.Fatalf("odense's screen renamed to %q", got)
	}
}
