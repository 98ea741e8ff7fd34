package api_test

import (
	"net/http"
	"testing"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name, method, path string
		headers            []string
		status             int
		allowOrigin        string
		preflight          bool
	}{
		{"preflight, allowed origin", "OPTIONS", "/api/token/", []string{"Origin: http://localhost:4173", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type,x-api-key"}, 200, "http://localhost:4173", true},
		{"preflight of a protected route never reaches it", "OPTIONS", "/api/token/validate/", []string{"Origin: https://cms.example.dk", "Access-Control-Request-Method: GET"}, 200, "https://cms.example.dk", true},
		{"preflight of PocketBase's API", "OPTIONS", "/api/collections/users/records", []string{"Origin: https://cms.example.dk", "Access-Control-Request-Method: GET"}, 200, "https://cms.example.dk", true},
		{"preflight, unknown origin", "OPTIONS", "/api/token/", []string{"Origin: https://evil.example", "Access-Control-Request-Method: POST"}, 200, "", false},
		{"preflight of an unknown path", "OPTIONS", "/api/nothing-here/", []string{"Origin: http://localhost:4173", "Access-Control-Request-Method: GET"}, 200, "http://localhost:4173", true},
		{"simple request, allowed origin", "GET", "/api/token/validate/", []string{"Origin: http://localhost:4173"}, 401, "http://localhost:4173", false},
		{"simple request, default origin not configured", "GET", "/api/token/validate/", []string{"Origin: http://localhost:5173"}, 401, "", false},
		{"origin must match exactly", "GET", "/api/token/validate/", []string{"Origin: http://localhost:4173/"}, 401, "", false},
		{"PocketBase health keeps working", "GET", "/api/health", []string{"Origin: https://cms.example.dk"}, 200, "https://cms.example.dk", false},
		{"OPTIONS without the request-method header is not a preflight", "OPTIONS", "/api/token/", []string{"Origin: http://localhost:4173"}, 405, "http://localhost:4173", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(t, tt.method, tt.path, nil, tt.headers...)
			if got.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.Status, tt.status, got.Body)
			}
			h := got.Header
			if h.Get("Access-Control-Allow-Origin") != tt.allowOrigin {
				t.Fatalf("Allow-Origin %q, want %q", h.Get("Access-Control-Allow-Origin"), tt.allowOrigin)
			}
			if h.Get("Vary") == "" || h.Values("Vary")[0] != "Origin" {
				t.Fatalf("Vary = %q", h.Values("Vary"))
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials must not be allowed")
			}
			if tt.preflight {
				if len(got.Body) != 0 || h.Get("Content-Length") != "0" {
					t.Fatalf("preflight body %q, Content-Length %q", got.Body, h.Get("Content-Length"))
				}
				want := map[string]string{
					"Access-Control-Allow-Headers": "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, x-api-key",
					"Access-Control-Allow-Methods": "DELETE, GET, OPTIONS, PATCH, POST, PUT",
					"Access-Control-Max-Age":       "86400",
				}
				for k, v := range want {
					if h.Get(k) != v {
						t.Fatalf("%s = %q, want %q", k, h.Get(k), v)
					}
				}
			} else if h.Get("Access-Control-Allow-Methods") != "" {
				t.Fatal("Allow-Methods on a non-preflight answer")
			}
		})
	}
}

func TestRoutingConventions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := "Authorization: " + w.bearer(t, "alice")
	tests := []struct {
		name, method, path string
		status             int
		want               string
		allow              string
	}{
		{"slashed route", "GET", "/api/token/validate/", 200, "", ""},
		{"slashed route without the slash", "GET", "/api/token/validate", 200, "", ""},
		{"unslashed route", "GET", "/api/frontdesk_ltk_borgerservice_api_key", 200, "", ""},
		{"unslashed route with a slash", "GET", "/api/frontdesk_ltk_borgerservice_api_key/", 200, "", ""},
		{"query string kept", "GET", "/api/branch-api-key?branch_id=abc", 403, "", ""},
		{"wrong method", "PATCH", "/api/token/validate/", 405, `{"detail":"Method \"PATCH\" not allowed."}`, "GET, OPTIONS"},
		{"wrong method, no slash", "DELETE", "/api/token", 405, `{"detail":"Method \"DELETE\" not allowed."}`, "OPTIONS, POST"},
		{"unknown API path is a JSON 404", "GET", "/api/slide-type-categories", 404, `{"detail":"Not found."}`, ""},
		{"deep unknown API path", "POST", "/api/token/validate/extra/", 404, `{"detail":"Not found."}`, ""},
		{"PocketBase collections untouched", "GET", "/api/collections/keycloak_sessions/records", 403, "", ""},
		{"PocketBase health untouched", "GET", "/api/health", 200, "", ""},
		{"PocketBase files untouched", "GET", "/api/files/users/1/nothing.png", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(t, tt.method, tt.path, nil, auth)
			expect(t, got, tt.status, tt.want)
			if tt.allow != "" && got.Header.Get("Allow") != tt.allow {
				t.Fatalf("Allow = %q, want %q", got.Header.Get("Allow"), tt.allow)
			}
			if ct := got.Header.Get("Content-Type"); got.Status != http.StatusNoContent && ct != "application/json" && ct != "application/json; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
}
