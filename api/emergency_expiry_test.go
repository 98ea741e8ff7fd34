package api_test

import "testing"

// An emergency's expiry: expires_at as a date-time or null, or
// duration_minutes from now; an active emergency must expire later than now.
func TestEmergencyExpiryFields(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	ids := a.ids("")
	url := "/api/emergency-slideshows/"
	expiresAt := func(want any) func(t *testing.T, r response) {
		return func(t *testing.T, r response) {
			m := r.json(t)
			if m["expires_at"] != want {
				t.Fatalf("expires_at %v, want %v: %s", m["expires_at"], want, r.Body)
			}
			if m["id"] != nil {
				ids["em"] = string(mustJSON(t, m["id"]))
			}
		}
	}
	// fixedNow is 03:30 CEST.
	w.runRows(t, ids, []apiRow{
		{name: "create for 90 minutes", user: "alice", method: "POST", path: url,
			body:   map[string]any{"slideshow_id": "{slideshow}", "display_website_group_ids": []any{"{group}"}, "is_active": true, "duration_minutes": 90},
			status: 201, check: expiresAt("2026-03-29T05:00:00+02:00")},
		{name: "read back", user: "alice", method: "GET", path: url + "{em}/", status: 200, check: expiresAt("2026-03-29T05:00:00+02:00")},
		{name: "move the expiry", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"expires_at": "2026-03-29T12:00:00Z"},
			status: 200, check: expiresAt("2026-03-29T14:00:00+02:00")},
		{name: "a naive time is local", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"expires_at": "2026-03-29T06:00"},
			status: 200, check: expiresAt("2026-03-29T06:00:00+02:00")},
		{name: "no expiry", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"expires_at": nil}, status: 200, check: expiresAt(nil)},
		{name: "an expiry in the past", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"expires_at": "2026-03-29T01:00:00Z"},
			status: 400, want: `{"expires_at":["An active emergency must expire in the future."]}`},
		{name: "a past expiry on an inactive one is fine", user: "alice", method: "PATCH", path: url + "{em}/",
			body: map[string]any{"expires_at": "2026-03-29T01:00:00Z", "is_active": false}, status: 200, check: expiresAt("2026-03-29T03:00:00+02:00")},
		{name: "switched on again with a duration", user: "alice", method: "PATCH", path: url + "{em}/",
			body: map[string]any{"is_active": true, "duration_minutes": "15"}, status: 200, check: expiresAt("2026-03-29T03:45:00+02:00")},
		{name: "both", user: "alice", method: "PATCH", path: url + "{em}/",
			body: map[string]any{"expires_at": "2026-03-29T12:00:00Z", "duration_minutes": 5}, status: 400,
			want: `{"duration_minutes":["Give either duration_minutes or expires_at, not both."]}`},
		{name: "zero minutes", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"duration_minutes": 0}, status: 400,
			want: `{"duration_minutes":["Ensure this value is greater than or equal to 1."]}`},
		{name: "too many minutes", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"duration_minutes": 2147483647}, status: 400,
			want: `{"duration_minutes":["Ensure this value is less than or equal to 5270400."]}`},
		{name: "not a date-time", user: "alice", method: "PATCH", path: url + "{em}/", body: map[string]any{"expires_at": "soon"}, status: 400},
	})
}
