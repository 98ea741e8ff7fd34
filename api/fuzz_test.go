package api_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/rest"
)

// No Authorization header, however broken, makes a protected endpoint
// answer anything but 200 or a JSON 401, and a public one stays public.
func FuzzAuthorizationHeader(f *testing.F) {
	w := newWorld(f)
	valid := w.bearer(f, "alice")
	for _, seed := range []string{valid, "Bearer null", "Bearer ", "Bearer a.b.c", "Bearer  x", "Basic x", valid + "x", strings.Replace(valid, ".", "", 1),
		"Bearer eyJhbGciOiJub25lIn0.eyJpZCI6IjEiLCJ0eXBlIjoiYXV0aCJ9."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if strings.ContainsAny(header, "\r\n\x00") {
			return // not a header a server can receive
		}
		got := w.do(t, "GET", "/api/token/validate/", nil, "Authorization: "+header)
		if got.Status != 200 && got.Status != 401 {
			t.Fatalf("Authorization %q: status %d %s", header, got.Status, got.Body)
		}
		got.json(t)
		public := w.do(t, "POST", "/api/reset-password/", map[string]any{"email": "nobody@example.dk"}, "Authorization: "+header)
		if public.Status != 200 {
			t.Fatalf("public endpoint with Authorization %q: %d %s", header, public.Status, public.Body)
		}
	})
}

// Token and refresh bodies of any shape are a 4xx with a JSON body.
func FuzzTokenBodies(f *testing.F) {
	w := newWorld(f)
	for _, seed := range []string{`{"username":"alice","password":"alice-password"}`, `{"refresh":"x"}`, `{"refresh":1e400}`, `[]`, `"x"`, `{"username":{"a":1}}`, `{`, ``, `null`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/api/token/", "/api/token/refresh/", "/api/confirm-password-reset/"} {
			got := w.do(t, "POST", path, rawBody{"application/json", body})
			if got.Status >= 500 {
				t.Fatalf("%s %q: %d %s", path, body, got.Status, got.Body)
			}
			got.json(t)
		}
	})
}

// X-API-KEY values of any shape resolve or are refused, never crash.
func FuzzScreenKey(f *testing.F) {
	w := newWorld(f)
	for _, seed := range []string{"", "null", "{6f1c2a9e-7b3d-4e5f-8a9b-0c1d2e3f4a5b}", "urn:uuid:6f1c2a9e-7b3d-4e5f-8a9b-0c1d2e3f4a5b", "' OR 1=1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.ContainsAny(raw, "\r\n\x00") {
			return
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-API-KEY", raw)
		e := &core.RequestEvent{App: w.app}
		e.Request = req
		key, present, err := rest.ScreenKey(e)
		if present != (raw != "") || (present && (err == nil) != (key != nil)) || (!present && (key != nil || err != nil)) {
			t.Fatalf("ScreenKey(%q) = %v, %v, %v", raw, key, present, err)
		}
	})
}

// Screen and schedule bodies of any shape are answered with a JSON 4xx (or
// a success), never a 500, on every write endpoint of the screens area.
func FuzzScreenBodies(f *testing.F) {
	w := newWorld(f)
	a := w.signage(f, "aarhus")
	ids := a.ids("")
	for _, seed := range []string{
		`{"display_website_group":"{group}","start_time":"2026-04-01T10:00","end_time":"2026-04-01T12:00","slideshow_id":"{slideshow}"}`,
		`{"display_website_group":{group},"weekday":"3","start_time":"10:00","end_time":"11:00:00.5","active_from":"2026-03-30","playlist_id":{playlist}}`,
		`{"slideshow_id":{slideshow},"display_website_group_ids":[{group},"{group}",null]}`,
		`{"name":"x","default_slideshow_id":1e400,"display_website_group":[1]}`,
		`{"start_time":"2026-13-45T99:99","weekday":-1,"active_until":"0000-00-00","combine_with_default":"maybe"}`,
		`{"apiKey":"{key}","uid":"` + strings.Repeat("u", 70) + `","aspect_ratio":{"a":1}}`,
		`[]`, `null`, `{`, `"x"`,
	} {
		f.Add(sub(seed, ids))
	}
	paths := []string{
		"/api/scheduled-contents/", "/api/recurring-scheduled-contents/", "/api/emergency-slideshows/",
		"/api/display-websites/?branch_id=" + a.branch, "/api/display-website-groups/?branch_id=" + a.branch, "/api/create-screen/",
	}
	auth := "Authorization: " + w.bearer(f, "alice")
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range paths {
			got := w.do(t, "POST", path, rawBody{"application/json", body}, auth)
			if got.Status >= 500 {
				t.Fatalf("%s %q: %d %s", path, body, got.Status, got.Body)
			}
			if got.Status != 429 {
				got.json(t)
			}
		}
	})
}

// Query strings of the player and list endpoints never make a 500.
func FuzzScreenQueries(f *testing.F) {
	w := newWorld(f)
	a := w.signage(f, "aarhus")
	for _, seed := range []string{a.screen, a.group + "," + a.group, "", ",", "-1", "1e3", "99999999999999999999999", "%00", a.screen + "x"} {
		f.Add(seed)
	}
	auth := "Authorization: " + w.bearer(f, "alice")
	f.Fuzz(func(t *testing.T, v string) {
		q := url.QueryEscape(v)
		for _, path := range []string{
			"/api/display-website/get-active-content?id=" + q, "/api/scheduled-contents/?ids=" + q, "/api/emergency-slideshows/?id=" + q,
			"/api/branch/get-active-content/?branch_id=" + a.branch + "&page=" + q + "&page_size=" + q,
			"/api/check-screen-group/?apiKey=" + a.key + "&screenId=" + q + "&uid=" + q,
		} {
			got := w.do(t, "GET", path, nil, auth)
			if got.Status >= 500 {
				t.Fatalf("%s: %d %s", path, got.Status, got.Body)
			}
			got.json(t)
		}
	})
}

// Content bodies of any shape: a JSON 4xx or a success, never a 500.
func FuzzContentBodies(f *testing.F) {
	w := newWorld(f)
	a := w.signage(f, "aarhus")
	ids := a.ids("")
	for _, seed := range []string{
		`{"name":"x","mode":"slideshow","preview_width":1080,"preview_height":"1920","tag_ids":["1",2],"category_id":null}`,
		`{"name":"x","tags":[{"id":{}},null,"7"],"category":{"id":[1]},"previewWidth":-1,"slideshow_data":[1,2]}`,
		`{"slideshow_playlist":"{playlist}","slideshow":"{slideshow}","position":"1e3"}`,
		`{"name":"` + strings.Repeat("n", 300) + `","aspect_ratio":12,"wayfinding_data":"x"}`,
		`[]`, `null`, `{`, `"x"`, `{"name":{"a":1}}`,
		`{"revision":0,"name":"older"}`, `{"revision":"1e3","slideshow_data":{"b":1,"a":[1.0,"\u00e6"]}}`,
		"{\"revision\":1,\"slideshow_data\":{\"b\":\"\xff\"}}",
	} {
		f.Add(sub(seed, ids))
	}
	paths := []string{
		"/api/manage_content/?branch_id=" + a.branch, "/api/slideshow-playlists/?branch_id=" + a.branch,
		"/api/slideshow-playlist-items/", "/api/wayfinding/?branch_id=" + a.branch,
	}
	auth := "Authorization: " + w.bearer(f, "alice")
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range paths {
			got := w.do(t, "POST", path, rawBody{"application/json", body}, auth)
			if got.Status >= 500 {
				t.Fatalf("%s %q: %d %s", path, body, got.Status, got.Body)
			}
			got.json(t)
		}
		patch := w.do(t, "PATCH", "/api/manage_content/"+a.slideshow+"/?branch_id="+a.branch, rawBody{"application/json", body}, auth)
		if patch.Status >= 500 {
			t.Fatalf("PATCH %q: %d %s", body, patch.Status, patch.Body)
		}
	})
}
