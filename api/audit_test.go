package api_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
)

// auditRow is one audit event as the database holds it.
type auditRow struct{ actor, action, collection, target, org, ip string }

// auditTrail lists every event after the first skip, oldest first.
func auditTrail(t *testing.T, w *world, skip int) []auditRow {
	t.Helper()
	var rows []*core.Record
	err := w.app.RecordQuery(collections.AuditEvents).OrderBy("rowid").All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditRow
	for _, r := range rows[skip:] {
		out = append(out, auditRow{r.GetString("actor"), r.GetString("action"), r.GetString("target_collection"),
			r.GetString("target_id"), r.GetString("organisation"), r.GetString("ip")})
	}
	return out
}

func wantTrail(t *testing.T, got []auditRow, want ...auditRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("audit trail:\n got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("audit event %d:\n got %+v\nwant %+v\n(all: %v)", i, got[i], want[i], got)
		}
	}
}

// Every audited change is recorded with who did it through which door,
// and the trail is readable by org admins only and writable by nobody.
func TestAuditTrail(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	ids := w.ids(t)
	org := ids["aarhus"]
	alice := w.users["alice"].Id
	start := len(auditTrail(t, w, 0)) // the world's memberships
	auth := "Authorization: " + w.bearer(t, "alice")
	ip := "192.0.2.1" // httptest's client

	// Emergencies through the OpenStream API.
	r := w.do(t, "POST", "/api/emergency-slideshows/", map[string]any{
		"slideshow_id": a.slideshow, "display_website_group_ids": []any{a.group}, "is_active": true, "duration_minutes": 10}, auth)
	expect(t, r, 201, "")
	em := string(mustJSON(t, r.json(t)["id"]))
	expect(t, w.do(t, "PATCH", "/api/emergency-slideshows/"+em+"/", map[string]any{"is_active": false}, auth), 200, "")
	expect(t, w.do(t, "PATCH", "/api/emergency-slideshows/"+em+"/", map[string]any{"is_active": true, "duration_minutes": 5}, auth), 200, "")
	expect(t, w.do(t, "PATCH", "/api/emergency-slideshows/"+em+"/", map[string]any{"duration_minutes": 20}, auth), 200, "")
	// Its expiry, by the system.
	if _, err := playback.ExpireEmergencies(w.app, fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Through PocketBase's API.
	res := testapp.Do(t, w.h, "PATCH", "/api/collections/emergency_slideshows/records/"+em, map[string]any{"is_active": true}, w.bearer(t, "alice"))
	if res.Status != 200 {
		t.Fatalf("PocketBase API: %d %s", res.Status, res.Body)
	}
	// A key rotated and switched off by an operator (the CLI: Go code).
	key, err := apikey.Rotate(w.app, a.branch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.SetActive(w.app, a.branch, false); err != nil {
		t.Fatal(err)
	}
	// Memberships and a screen.
	r = w.do(t, "POST", "/api/memberships/", map[string]any{"user": w.users["aarhus_employee"].Id, "organisation": org, "role": collections.RoleOrgAdmin}, auth)
	expect(t, r, 201, "")
	m := string(mustJSON(t, r.json(t)["id"]))
	expect(t, w.do(t, "DELETE", "/api/memberships/"+m+"/", nil, auth), 204, "")
	expect(t, w.do(t, "DELETE", "/api/display-websites/"+a.screen+"/?branch_id="+a.branch, nil, auth), 204, "")
	// A branch deleted with a screen in it: the screen goes with it, by alice.
	other := w.record(t, collections.DisplayWebsites, map[string]any{"name": "second", "branch": a.branch, "display_website_group": a.group})
	expect(t, w.do(t, "DELETE", "/api/branches/"+a.branch+"/", nil, auth), 204, "")

	trail := auditTrail(t, w, start)
	wantTrail(t, trail[:11],
		auditRow{alice, audit.ActionEmergencyActivate, collections.EmergencySlideshows, em, org, ip},
		auditRow{alice, audit.ActionEmergencyDeactivate, collections.EmergencySlideshows, em, org, ip},
		auditRow{alice, audit.ActionEmergencyActivate, collections.EmergencySlideshows, em, org, ip},
		auditRow{alice, audit.ActionEmergencyEdit, collections.EmergencySlideshows, em, org, ip},
		auditRow{audit.System, audit.ActionEmergencyExpire, collections.EmergencySlideshows, em, org, ""},
		auditRow{alice, audit.ActionEmergencyActivate, collections.EmergencySlideshows, em, org, ip},
		auditRow{audit.System, audit.ActionAPIKeyRotate, collections.BranchAPIKeys, key.Id, org, ""},
		auditRow{audit.System, audit.ActionAPIKeyDeactivate, collections.BranchAPIKeys, key.Id, org, ""},
		auditRow{alice, audit.ActionMembershipCreate, collections.Memberships, m, org, ip},
		auditRow{alice, audit.ActionMembershipDelete, collections.Memberships, m, org, ip},
		auditRow{alice, audit.ActionScreenDelete, collections.DisplayWebsites, a.screen, org, ip},
	)
	// The branch's delete: what goes with it first (in PocketBase's
	// cascade order: the screen, the group's emergency, the branch's
	// memberships), all by alice, then the branch itself.
	rest := trail[11:]
	wantTrail(t, rest[len(rest)-1:], auditRow{alice, audit.ActionBranchDelete, collections.Branches, a.branch, org, ip})
	cascaded := map[string]bool{}
	for _, row := range rest[:len(rest)-1] {
		if row.actor != alice || row.org != org || row.ip != ip {
			t.Fatalf("a record deleted with the branch: %+v", row)
		}
		if row.action != audit.ActionMembershipDelete { // aarhus_employee's row in the branch
			cascaded[row.action+" "+row.target] = true
		}
	}
	if !cascaded[audit.ActionScreenDelete+" "+other] || !cascaded[audit.ActionEmergencyDelete+" "+em] || len(cascaded) != 2 {
		t.Fatalf("deleted with the branch: %v", cascaded)
	}

	// Reading it.
	url := "/api/audit-events/?org_id=" + org
	w.runRows(t, ids, []apiRow{
		{name: "org admin, first page", user: "alice", method: "GET", path: url + "&page_size=5", status: 200, check: func(t *testing.T, r response) {
			m := r.json(t)
			results := m["results"].([]any)
			first := results[0].(map[string]any)
			if m["count"].(float64) < 14 || m["items_per_page"] != 5.0 || m["next"] != 2.0 || len(results) != 5 ||
				first["target_collection"] == nil || first["created_at"] == nil || first["organisation"] == nil {
				t.Fatalf("%s", r.Body)
			}
		}},
		{name: "by uri_name, filtered", user: "alice", method: "GET", path: "/api/audit-events/?org_id=aarhus&action=emergency.expire", status: 200,
			check: func(t *testing.T, r response) {
				m := r.json(t)
				first := m["results"].([]any)[0].(map[string]any)
				if m["count"] != 1.0 || first["actor"] != "system" || string(mustJSON(t, first["target_id"])) != em {
					t.Fatalf("%s", r.Body)
				}
			}},
		{name: "another organisation's admin", user: "olga", method: "GET", path: url, status: 403,
			want: `{"detail":"You do not have permission to perform this action."}`},
		{name: "a member who is not an admin", user: "ulla", method: "GET", path: url, status: 403},
		{name: "without org_id", user: "alice", method: "GET", path: "/api/audit-events/", status: 400, want: `{"detail":"org_id is required."}`},
		{name: "an unknown organisation", user: "alice", method: "GET", path: "/api/audit-events/?org_id=nowhere", status: 404},
		{name: "super admin, everything", user: "sam", method: "GET", path: "/api/audit-events/", status: 200},
		{name: "anonymous", method: "GET", path: url, status: 401},
		{name: "no writes", user: "sam", method: "POST", path: "/api/audit-events/", body: map[string]any{}, status: 405},
	})

	// PocketBase's face: org admins read their own, nobody writes, not
	// even a dashboard superuser.
	list := func(token string) int {
		res := testapp.Do(t, w.h, "GET", "/api/collections/audit_events/records?perPage=1", nil, token)
		if res.Status != 200 {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		return int(res.JSON(t)["totalItems"].(float64))
	}
	if n, all := list(w.bearer(t, "alice")), len(auditTrail(t, w, 0)); n == 0 || n == all {
		t.Fatalf("alice sees %d of %d events", n, all)
	}
	if n := list(w.bearer(t, "ulla")); n != 0 {
		t.Fatalf("an org_user sees %d events", n)
	}
	su := testapp.SuperuserToken(t, w.app)
	events, _ := w.app.FindRecordsByFilter(collections.AuditEvents, "", "created", 1, 0)
	ev := events[0]
	before := ev.GetString("action")
	for _, try := range []struct{ method, path string }{
		{"POST", "/api/collections/audit_events/records"},
		{"PATCH", "/api/collections/audit_events/records/" + ev.Id},
		{"DELETE", "/api/collections/audit_events/records/" + ev.Id},
	} {
		body := map[string]any{"actor": "mallory", "action": "forged", "target_collection": "x", "target_id": "1"}
		for _, token := range []string{su, w.bearer(t, "sam"), w.bearer(t, "alice")} {
			if res := testapp.Do(t, w.h, try.method, try.path, body, token); res.Status < 400 {
				t.Fatalf("%s %s: %d %s", try.method, try.path, res.Status, res.Body)
			}
		}
	}
	if after, err := w.app.FindRecordById(collections.AuditEvents, ev.Id); err != nil || after.GetString("action") != before {
		t.Fatalf("the event changed: %v %v", after, err)
	}
	// Go code cannot change one either.
	ev.Set("action", "forged")
	if err := w.app.Save(ev); err == nil {
		t.Fatal("an audit event was updated")
	}
	if err := w.app.Delete(ev); err == nil {
		t.Fatal("an audit event was deleted")
	}
}
