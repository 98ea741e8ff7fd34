package playback_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
)

// screens adds n screens to s's group and returns their ids.
func (s setup) screens(t testing.TB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	err := s.app.RunInTransaction(func(tx core.App) error {
		for i := range ids {
			r, err := collections.NewRecord(tx, collections.DisplayWebsites)
			if err != nil {
				return err
			}
			r.Load(map[string]any{"name": fmt.Sprintf("screen %05d", i), "branch": s.branch, "display_website_group": s.group})
			if err := tx.Save(r); err != nil {
				return err
			}
			ids[i] = r.Id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Rows with different sets of columns each get their own; nothing else
// of the row changes.
func TestUpdateRows(t *testing.T) {
	s := newSetup(t)
	ids := s.screens(t, 3)
	rows := map[string]dbx.Params{
		ids[0]: {"last_seen": "2026-03-30 08:00:00.000Z"},
		ids[1]: {"last_seen": "2026-03-30 08:00:01.000Z", "last_content": `{"version":"v1"}`},
		ids[2]: {"last_content": `{"version":"v2"}`},
	}
	err := s.app.RunInTransaction(func(tx core.App) error {
		return playback.UpdateRows(tx, collections.DisplayWebsites, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, seen, content, name string }{
		{ids[0], "2026-03-30 08:00:00.000Z", "", "screen 00000"},
		{ids[1], "2026-03-30 08:00:01.000Z", `{"version":"v1"}`, "screen 00001"},
		{ids[2], "", `{"version":"v2"}`, "screen 00002"},
	} {
		r, err := s.app.FindRecordById(collections.DisplayWebsites, c.id)
		if err != nil {
			t.Fatal(err)
		}
		content := ""
		if raw := r.GetString("last_content"); raw != "null" {
			content = raw
		}
		if r.GetDateTime("last_seen").String() != c.seen || content != c.content || r.GetString("name") != c.name {
			t.Errorf("%s: last_seen %q, last_content %q, name %q", c.id, r.GetDateTime("last_seen").String(), content, r.GetString("name"))
		}
	}
	if err := playback.UpdateRows(s.app, collections.DisplayWebsites, map[string]dbx.Params{ids[0]: {"no_such_column": 1}}); err == nil {
		t.Fatal("an unknown column was not refused")
	}
}

// A fan-out's health flush: 5,000 screens' last_seen and last_content.
func BenchmarkUpdateRows(b *testing.B) {
	s := newSetup(b)
	ids := s.screens(b, 5000)
	rows := make(map[string]dbx.Params, len(ids))
	for _, id := range ids {
		rows[id] = dbx.Params{"last_seen": "2026-03-30 08:00:00.000Z", "last_content": `{"version":"3cf4d5a06241358be21ba40d","slideshow_ids":["1"],"slideshow_playlist_ids":[],"emergency_active":false}`}
	}
	for b.Loop() {
		if err := s.app.RunInTransaction(func(tx core.App) error {
			return playback.UpdateRows(tx, collections.DisplayWebsites, rows)
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(rows)), "µs/row")
}
