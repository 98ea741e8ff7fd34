package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/apikey"
)

// Benchmarks of the authentication pipeline and a role-checked list,
// next to PocketBase's own record view for the same user, through the
// same handler. Run: go test -run XXX -bench . ./api
func BenchmarkAPI(b *testing.B) {
	w := newWorld(b)
	id := map[string]string{"branch": w.branch["aarhus"]}
	auth := w.bearer(b, "alice")
	cases := []struct{ name, path string }{
		{"openstream token validate", "/api/token/validate/"},
		{"openstream branches of the org", "/api/branches/?branch_id=" + id["branch"]},
		{"openstream user suborganisations", "/api/user/suborganisations/"},
		{"pocketbase branch view", "/api/collections/branches/records/" + id["branch"]},
		{"pocketbase branch list", "/api/collections/branches/records"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header.Set("Authorization", auth)
				rec := httptest.NewRecorder()
				w.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

// The player's request next to PocketBase's record view of the same screen
// (a user's token, so the API rule runs), in process. tests/bench/screens.sh
// measures the same over loopback with wrk.
func BenchmarkActiveContent(b *testing.B) {
	w := newWorld(b)
	s := w.signage(b, "aarhus")
	cases := []struct{ name, path, header string }{
		{"openstream get-active-content (key)", "/api/display-website/get-active-content?id=" + s.screen, "X-API-KEY: " + s.key},
		{"pocketbase screen view (user)", "/api/collections/display_websites/records/" + s.screen, "Authorization: " + w.bearer(b, "aarhus_employee")},
	}
	// Last, as `serve` runs it: with the API keys remembered.
	cases = append(cases, struct{ name, path, header string }{"openstream get-active-content (key, key cache on)", cases[0].path, cases[0].header})
	for _, c := range cases {
		name, value, _ := strings.Cut(c.header, ": ")
		if strings.Contains(c.name, "cache on") {
			apikey.EnableCache(w.app, 0, nil)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header.Set(name, value)
				rec := httptest.NewRecorder()
				w.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
				}
			}
		})
	}
}
