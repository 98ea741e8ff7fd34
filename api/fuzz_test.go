package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/api/rest"
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
