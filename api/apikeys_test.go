package api_test

import (
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/apikey"
)

func TestBranchAPIKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aarhus, odense := w.branch["aarhus"], w.branch["odense"]
	key, err := apikey.ForBranch(w.app, aarhus)
	if err != nil {
		t.Fatal(err)
	}
	ok := `{"branch_id":` + aarhus + `,"api_key":"` + key.GetString("key") + `","is_active":true}`
	denied := `{"detail":"You do not have permission to perform this action."}`
	tests := []struct {
		name, user, query string
		status            int
		want              string
	}{
		{"org admin of the branch's org", "alice", "?branch_id=" + aarhus, 200, ok},
		{"suborg admin of the branch's suborg", "aarhus_suborg_admin", "?branch_id=" + aarhus, 200, ok},
		{"super admin of another org", "sam", "?branch_id=" + aarhus, 200, ok},
		{"employee of the branch", "aarhus_employee", "?branch_id=" + aarhus, 403, denied},
		{"org user", "ulla", "?branch_id=" + aarhus, 403, denied},
		{"org admin of another org", "olga", "?branch_id=" + aarhus, 403, denied},
		{"org admin, foreign branch", "alice", "?branch_id=" + odense, 403, denied},
		{"missing branch_id", "alice", "", 403, denied},
		{"super, missing branch_id", "sam", "", 403, `{"detail":"branch_id is required."}`},
		{"unknown branch", "alice", "?branch_id=999999", 403, denied},
		{"super, unknown branch", "sam", "?branch_id=999999", 404, `{"detail":"No Branch matches the given query."}`},
		{"non-numeric", "alice", "?branch_id=abc", 403, denied},
		{"super, non-numeric", "sam", "?branch_id=abc", 404, `{"detail":"No Branch matches the given query."}`},
		{"anonymous", "", "?branch_id=" + aarhus, 401, `{"detail":"Authentication credentials were not provided."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.user != "" {
				headers = append(headers, "Authorization: "+w.bearer(t, tt.user))
			}
			expect(t, w.do(t, "GET", "/api/branch-api-key"+tt.query, nil, headers...), tt.status, tt.want)
		})
	}

	// Switched off, the key is still shown to admins, marked inactive.
	if _, err := apikey.SetActive(w.app, aarhus, false); err != nil {
		t.Fatal(err)
	}
	expect(t, w.do(t, "GET", "/api/branch-api-key/?branch_id="+aarhus, nil, "Authorization: "+w.bearer(t, "alice")), 200,
		strings.Replace(ok, `"is_active":true`, `"is_active":false`, 1))
	// A branch whose key row is gone.
	if err := w.app.Delete(key); err != nil {
		t.Fatal(err)
	}
	expect(t, w.do(t, "GET", "/api/branch-api-key?branch_id="+aarhus, nil, "Authorization: "+w.bearer(t, "alice")), 404, `{"detail":"No API key found for this branch."}`)
}

func TestFrontdeskAndUserAPIKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := "Authorization: " + w.bearer(t, "ulla")
	expect(t, w.do(t, "GET", "/api/frontdesk_ltk_borgerservice_api_key", nil, auth), 200, `{"apiKey":"frontdesk-secret"}`)
	expect(t, w.do(t, "GET", "/api/frontdesk_ltk_borgerservice_api_key", nil), 401, "")
	for _, method := range []string{"GET", "POST"} {
		got := w.do(t, method, "/api/get-user-api-key/", nil, auth)
		expect(t, got, 410, "")
	}
}
