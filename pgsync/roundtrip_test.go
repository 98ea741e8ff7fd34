package pgsync_test

import (
	"context"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/pgsync/importer"
	"github.com/openstream-go/openstream/pgsync/mirror"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/pgtest"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// mirrored returns a test app whose changes the mirror writes to dsn.
func mirrored(t *testing.T, dsn string, tune func(*mirror.Mirror)) core.App {
	t.Helper()
	app := testapp.New(t)
	if err := outbox.Ensure(app); err != nil {
		t.Fatal(err)
	}
	m := pgsync.Enable(app, dsn)
	if tune != nil {
		tune(m)
	}
	t.Cleanup(pgsync.Start(m))
	return app
}

// caughtUp waits until the outbox is empty.
func caughtUp(t *testing.T, app core.App) {
	t.Helper()
	pgtest.Eventually(t, "outbox drained", func() (bool, string) {
		s, err := outbox.Backlog(app)
		last, _ := outbox.GetStatus(app, outbox.KeyLastError)
		return err == nil && s.Size == 0, "backlog " + itoa(s.Size) + ", last error: " + last
	})
}

// Round trip: fixture -> app A -> mirror -> Postgres -> import into a fresh
// app B. Every collection has the same checksum on both sides.
func TestRoundTripThroughPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	a := mirrored(t, dsn, nil)

	fx, err := os.Open("importer/testdata/openstream-dev-data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer fx.Close()
	src, err := importer.ParseFixture(fx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Run(ctx, a, src, importer.Options{}); err != nil {
		t.Fatal(err)
	}
	addEveryKind(t, a)
	caughtUp(t, a)

	conn := pgtest.Connect(t, dsn)
	upstream := []struct {
		query string
		want  string
	}{
		{"SELECT count(*)::text FROM app_customcolor", "79"},
		{"SELECT hex_value FROM app_customcolor WHERE id = 5", "#AE9361"},
		{"SELECT password FROM auth_user WHERE username = 'superadmin'", "pbkdf2_sha256$1000000$B9pUvoK8vsvVKae55YrZet$xlBLCj/q+YJRqdkWeZKLUJIUTmyPGrG/hWzlWVPBsgI="},
		{"SELECT language_preference FROM app_userextended WHERE user_id = 32", "en"},
		{"SELECT string_agg(tag_id::text, ',' ORDER BY tag_id) FROM app_slideshow_tags", "1,13"},
		{"SELECT start_time::text || '-' || end_time::text || ' ' || active_from::text FROM app_recurringscheduledcontent", "08:00:00-17:30:15 2025-01-01"},
		{"SELECT count(*)::text FROM app_emergencyslideshow_display_website_groups", "2"},
		{"SELECT (slideshow_data->'slides'->0->>'n') FROM app_slideshow", "12345678901234567"},
		{"SELECT count(*)::text FROM app_slideshowplayerapikey", "23"},
	}
	for _, u := range upstream {
		var got string
		if err := conn.QueryRow(ctx, u.query).Scan(&got); err != nil || got != u.want {
			t.Errorf("%s = %q (%v), want %q", u.query, got, err, u.want)
		}
	}

	b := testapp.New(t)
	sum, err := importer.Run(ctx, b, importer.Postgres{Conn: conn}, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range sum.Tables {
		if ts.Skipped != 0 && ts.Table != schema.MetaTable {
			t.Errorf("%s: %d skipped: %v", ts.Table, ts.Skipped, ts.Reasons)
		}
	}
	for _, tbl := range schema.Tables() {
		sumA, nA, err := schema.Checksum(a, tbl)
		if err != nil {
			t.Fatal(err)
		}
		sumB, nB, err := schema.Checksum(b, tbl)
		if err != nil {
			t.Fatal(err)
		}
		if sumA != sumB || nA != nB {
			t.Errorf("%s: %d records %s in A, %d records %s in B", tbl.Collection, nA, sumA[:12], nB, sumB[:12])
		}
	}
	again, err := importer.Run(ctx, b, importer.Postgres{Conn: conn}, importer.Options{})
	if err != nil || again.Changes() != 0 {
		t.Fatalf("second import from Postgres: %d changes (%v)", again.Changes(), err)
	}
}

// addEveryKind adds records whose columns the fixture lacks: M2M tags,
// JSON, times of day, dates, a Keycloak session, an emergency with groups.
func addEveryKind(t *testing.T, app core.App) {
	t.Helper()
	save := func(collection string, fields map[string]any) string {
		r, err := collections.NewRecord(app, collection)
		if err != nil {
			t.Fatal(err)
		}
		r.Load(fields)
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", collection, err)
		}
		return r.Id
	}
	show := save(collections.Slideshows, map[string]any{"name": "Lobby", "branch": "15", "tags": []string{"1", "13"},
		"category": "7", "created_by": "32", "slideshow_data": map[string]any{"slides": []any{map[string]any{"n": 12345678901234567}}}})
	save(collections.RecurringScheduledContents, map[string]any{"weekday": 2, "start_time": "08:00", "end_time": "17:30:15",
		"display_website_group": "1", "slideshow": show, "active_from": "2025-01-01", "description": "weekdays"})
	save(collections.ScheduledContents, map[string]any{"start_time": "2025-12-24 08:00:00.000Z", "end_time": "2025-12-24 12:00:00.000Z",
		"display_website_group": "2", "slideshow": show})
	save(collections.EmergencySlideshows, map[string]any{"slideshow": show, "display_website_groups": []string{"1", "2"}, "is_active": true})
	save(collections.KeycloakSessions, map[string]any{"user": "33", "access_token": "a", "refresh_token": "r", "id_token": "i"})
	save(collections.TextFormattingSettings, map[string]any{"organisation": "1", "allow_bold": true})
	save(collections.Wayfindings, map[string]any{"name": "Map", "branch": "15", "wayfinding_data": []any{1, "two"}})
}
