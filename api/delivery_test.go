package api_test

import (
	"testing"
)

// The delivery report of an emergency: the access of GET of the
// emergency, a REST poll counts as delivered, and after the switch-off it
// counts the screens back on normal content.
func TestEmergencyDeliveryReport(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	alice := "Authorization: " + w.bearer(t, "alice")
	created := w.do(t, "POST", "/api/emergency-slideshows/", map[string]any{
		"slideshow_id": a.portrait, "display_website_group_ids": []any{a.group}, "is_active": true,
	}, alice)
	expect(t, created, 201, "")
	id := string(mustJSON(t, created.json(t)["id"]))
	url := "/api/emergency-slideshows/" + id + "/delivery/"

	report := func(t *testing.T) map[string]any {
		t.Helper()
		r := w.do(t, "GET", url, nil, alice)
		expect(t, r, 200, "")
		return r.json(t)
	}
	summary := func(t *testing.T, m map[string]any) string { t.Helper(); return string(mustJSON(t, m["summary"])) }
	poll := func(t *testing.T) map[string]any {
		t.Helper()
		r := w.do(t, "GET", "/api/display-website/get-active-content?id="+a.screen, nil, "X-API-KEY: "+a.key)
		expect(t, r, 200, "")
		return r.json(t)
	}

	// Nobody has fetched it yet; the screen was never seen.
	m := report(t)
	if m["is_active"] != true || m["activated_at"] == nil || string(mustJSON(t, m["emergency_id"])) != id ||
		summary(t, m) != `{"acknowledged":0,"delivered":0,"offline":1,"online":0,"screens":1}` {
		t.Fatalf("before the poll: %v", m)
	}
	if body := poll(t); body["emergency_active"] != true {
		t.Fatalf("poll: %v", body)
	}
	m = report(t)
	if summary(t, m) != `{"acknowledged":0,"delivered":1,"offline":0,"online":1,"screens":1}` {
		t.Fatalf("after the poll: %v", m)
	}
	row := m["screens"].([]any)[0].(map[string]any)
	if string(mustJSON(t, row["id"])) != a.screen || row["delivered_at"] == nil || row["acknowledged_at"] != nil ||
		row["online"] != true || row["last_seen"] == nil || row["version"] == nil || string(mustJSON(t, row["group"])) != a.group {
		t.Fatalf("screen row %v", row)
	}

	// Others get exactly what GET of the emergency answers them.
	for _, who := range []string{"olga", "ulla", ""} {
		var headers []string
		if who != "" {
			headers = append(headers, "Authorization: "+w.bearer(t, who))
		}
		got := w.do(t, "GET", url, nil, headers...)
		same := w.do(t, "GET", "/api/emergency-slideshows/"+id+"/", nil, headers...)
		if who == "ulla" && got.Status == 200 {
			continue // a member of the branch may read both
		}
		if got.Status != same.Status || string(got.Body) != string(same.Body) || got.Status < 400 {
			t.Fatalf("%q: delivery %d %s, emergency %d %s", who, got.Status, got.Body, same.Status, same.Body)
		}
	}
	expect(t, w.do(t, "GET", "/api/emergency-slideshows/999999999/delivery/", nil, alice), 404, "")

	// Switched off: the screen that polled during it is not back on normal
	// content until it polls again.
	expect(t, w.do(t, "PATCH", "/api/emergency-slideshows/"+id+"/", map[string]any{"is_active": false}, alice), 200, "")
	if m = report(t); m["is_active"] != false || summary(t, m) != `{"acknowledged":0,"delivered":0,"offline":0,"online":1,"screens":1}` {
		t.Fatalf("after the switch-off: %v", m)
	}
	poll(t)
	if m = report(t); summary(t, m) != `{"acknowledged":0,"delivered":1,"offline":0,"online":1,"screens":1}` {
		t.Fatalf("back on normal content: %v", m)
	}
}
