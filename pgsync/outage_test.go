package pgsync_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync/mirror"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/pgtest"
)

// Outage: Postgres stops answering while 1,000 changes go through the
// PocketBase API; they wait in the outbox, and once Postgres is back the
// mirror holds exactly SQLite's tags: none missing, none twice, and no
// deleted tag brought back by an update queued after its delete. The
// status shows the outage's error as current, then as resolved.
func TestOutageLosesNothing(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	u, _ := url.Parse(dsn)
	proxy := pgtest.StartProxy(t, u.Host)
	app := mirrored(t, pgtest.WithHost(t, dsn, proxy.Addr), func(m *mirror.Mirror) {
		m.MinBackoff, m.MaxBackoff, m.PollInterval = 5*time.Millisecond, 50*time.Millisecond, 20*time.Millisecond
	})
	pg := pgtest.Connect(t, dsn)
	pgtest.Eventually(t, "initial copy", func() (bool, string) {
		var n int
		err := pg.QueryRow(ctx, "SELECT count(*) FROM pgsync_meta WHERE key = 'source_instance'").Scan(&n)
		return err == nil && n == 1, fmt.Sprint(err)
	})

	proxy.Down()
	h := testapp.Handler(t, app)
	token := testapp.SuperuserToken(t, app)
	do := func(method, path string, body any, want int) map[string]any {
		res := testapp.Do(t, h, method, path, body, token)
		if res.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
		}
		if want == 200 {
			return res.JSON(t)
		}
		return nil
	}
	const records = "/api/collections/tags/records"
	var ids []string
	changes := 0
	for i := range 400 {
		ids = append(ids, do("POST", records, map[string]any{"name": fmt.Sprint("tag-", i)}, 200)["id"].(string))
		changes++
	}
	for i := range 300 { // renames
		do("PATCH", records+"/"+ids[i], map[string]any{"name": fmt.Sprint("renamed-", i)}, 200)
		changes++
	}
	for i := 300; i < 350; i++ { // an update, then the delete
		do("PATCH", records+"/"+ids[i], map[string]any{"name": fmt.Sprint("doomed-", i)}, 200)
		do("DELETE", records+"/"+ids[i], nil, 204)
		changes += 2
	}
	for i := 350; i < 400; i++ { // a delete, then an update that must not bring it back
		do("DELETE", records+"/"+ids[i], nil, 204)
		do("PATCH", records+"/"+ids[i], map[string]any{"name": "ghost"}, 404)
		changes++
	}
	for i := 0; i < 150; i++ { // delete some renamed ones
		do("DELETE", records+"/"+ids[i], nil, 204)
		changes++
	}
	if changes != 1000 {
		t.Fatalf("made %d changes", changes)
	}
	backlog, err := outbox.Backlog(app)
	if err != nil || backlog.Size != 1000 {
		t.Fatalf("outbox holds %d changes (%v) while Postgres is down, want 1000", backlog.Size, err)
	}
	var inPG int
	if err := pg.QueryRow(ctx, "SELECT count(*) FROM app_tag").Scan(&inPG); err != nil || inPG != 0 {
		t.Fatalf("app_tag has %d rows (%v) while the proxy is down", inPG, err)
	}
	pgtest.Eventually(t, "the worker saw the outage", func() (bool, string) {
		last, _ := outbox.GetStatus(app, outbox.KeyLastError)
		return last != "", "no last_error recorded"
	})
	// The status command reads only the database (it runs in another
	// process): during the outage it shows the error as current.
	during, err := mirror.ReadStatus(ctx, app, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := during.LastError + " (at " + during.LastErrorAt + ")"; during.LastErrorResolvedAt != "" || during.ErrorText() != want {
		t.Fatalf("status during the outage: last error %q, resolved at %q; want %q", during.ErrorText(), during.LastErrorResolvedAt, want)
	}

	t.Logf("status during the outage: last error:  %s", during.ErrorText())

	proxy.Up(t)
	caughtUp(t, app)
	// Caught up: the error is shown as resolved, with when it happened.
	var after mirror.Status
	pgtest.Eventually(t, "status shows the error as resolved", func() (bool, string) {
		after, err = mirror.ReadStatus(ctx, app, "")
		return err == nil && after.LastErrorResolvedAt != "", fmt.Sprintf("last error: %s (%v)", after.ErrorText(), err)
	})
	want := "none since " + after.LastErrorResolvedAt + "; resolved: " + after.LastError + " (occurred at " + after.LastErrorAt + ")"
	if after.ErrorText() != want || after.LastErrorResolvedAt < after.LastErrorAt || after.LastErrorAt < during.LastErrorAt {
		t.Fatalf("status after catching up: last error %q, want %q, resolved after the error of the outage at %s", after.ErrorText(), want, during.LastErrorAt)
	}
	t.Logf("status after catching up: last error:  %s", after.ErrorText())

	wantRows := map[int64]string{}
	for i := 150; i < 300; i++ {
		wantRows[id64(t, ids[i])] = fmt.Sprint("renamed-", i)
	}
	rows, err := pg.Query(ctx, "SELECT id, name FROM app_tag")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	dupes := 0
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		if _, seen := got[id]; seen {
			dupes++
		}
		got[id] = name
	}
	missing, wrong := 0, 0
	for id, name := range wantRows {
		if g, ok := got[id]; !ok {
			missing++
		} else if g != name {
			wrong++
		}
	}
	if missing != 0 || dupes != 0 || wrong != 0 || len(got) != len(wantRows) {
		t.Fatalf("mirror: %d rows, want %d; %d missing, %d duplicated, %d stale", len(got), len(wantRows), missing, dupes, wrong)
	}
	total, _ := outbox.GetStatus(app, outbox.KeyAppliedTotal)
	if total != "1000" {
		t.Fatalf("applied %s outbox entries, want 1000", total)
	}
}

func id64(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An error an earlier process stored, and never saw resolved, is resolved
// by the first success of the next worker: status does not show a stale
// outage as current after a restart.
func TestRestartResolvesAnEarlierError(t *testing.T) {
	ctx := context.Background()
	const stale = "connect: connection refused"
	app := mirrored(t, pgtest.Database(t), func(m *mirror.Mirror) {
		m.PollInterval = 20 * time.Millisecond
		err := outbox.SetStatus(m.App, map[string]string{outbox.KeyLastError: stale, outbox.KeyLastErrorAt: "2026-01-01T00:00:00Z"})
		if err != nil {
			t.Fatal(err)
		}
	})
	pgtest.Eventually(t, "the stale error resolved", func() (bool, string) {
		s, err := mirror.ReadStatus(ctx, app, "")
		return err == nil && s.LastErrorResolvedAt != "", fmt.Sprintf("last error: %s (%v)", s.ErrorText(), err)
	})
	s, _ := mirror.ReadStatus(ctx, app, "")
	if want := "none since " + s.LastErrorResolvedAt + "; resolved: " + stale + " (occurred at 2026-01-01T00:00:00Z)"; s.ErrorText() != want {
		t.Fatalf("last error %q, want %q", s.ErrorText(), want)
	}
}
