package playback_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/schedule"
)

var copenhagen, _ = time.LoadLocation("Europe/Copenhagen")

// monday10 is Monday 2026-03-30 10:00 CEST.
var monday10 = time.Date(2026, 3, 30, 10, 0, 0, 0, copenhagen)

type setup struct {
	app                      core.App
	branch, slideshow, other string
	group, screen, recurring string
}

func newSetup(t testing.TB) setup {
	t.Helper()
	app := testapp.New(t)
	if _, err := provision.CreateOrganisation(app, "Aarhus", "aarhus"); err != nil {
		t.Fatal(err)
	}
	b, err := app.FindFirstRecordByData(collections.Branches, "name", "Demo Branch")
	if err != nil {
		t.Fatal(err)
	}
	s := setup{app: app, branch: b.Id}
	save := func(collection string, fields map[string]any) string {
		r, err := collections.NewRecord(app, collection)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			r.Set(k, v)
		}
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", collection, err)
		}
		return r.Id
	}
	s.slideshow = save(collections.Slideshows, map[string]any{"name": "welcome", "branch": b.Id})
	s.other = save(collections.Slideshows, map[string]any{"name": "morning", "branch": b.Id})
	s.group = save(collections.DisplayWebsiteGroups, map[string]any{"name": "lobby", "branch": b.Id, "default_slideshow": s.slideshow})
	s.screen = save(collections.DisplayWebsites, map[string]any{"name": "s1", "branch": b.Id, "display_website_group": s.group})
	// Mondays 09:00-11:00 local: the morning show.
	s.recurring = save(collections.RecurringScheduledContents, map[string]any{
		"display_website_group": s.group, "slideshow": s.other, "weekday": 0,
		"start_time": "09:00", "end_time": "11:00", "active_from": "2026-01-01",
	})
	return s
}

func (s setup) screenRecord(t *testing.T) *core.Record {
	t.Helper()
	r, err := s.app.FindRecordById(collections.DisplayWebsites, s.screen)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func playing(t *testing.T, c *playback.Content) string {
	t.Helper()
	var body struct {
		SlideshowIDs []json.Number `json:"slideshow_ids"`
	}
	if err := json.Unmarshal(c.JSON, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.SlideshowIDs) != 1 {
		t.Fatalf("slideshow_ids %v", body.SlideshowIDs)
	}
	return string(body.SlideshowIDs[0])
}

func TestPlayerCache(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	screen := s.screenRecord(t)

	first, err := p.Content(screen, monday10)
	if err != nil {
		t.Fatal(err)
	}
	if playing(t, first) != s.other || !first.Until.Equal(time.Date(2026, 3, 30, 11, 0, 0, 1, copenhagen)) {
		t.Fatalf("plays %s until %v", playing(t, first), first.Until)
	}

	// A write that bypasses the hooks is invisible while the entry is valid:
	// the answer really comes from the cache.
	if _, err := s.app.DB().Update(collections.RecurringScheduledContents, dbx.Params{"end_time": "09:30:00"},
		dbx.HashExp{"id": s.recurring}).Execute(); err != nil {
		t.Fatal(err)
	}
	again, _ := p.Content(screen, monday10.Add(time.Minute))
	if again != first {
		t.Fatal("a valid entry was recomputed")
	}

	// A change through the app drops the entry.
	r, _ := s.app.FindRecordById(collections.RecurringScheduledContents, s.recurring)
	r.Set("description", "edited")
	if err := s.app.Save(r); err != nil {
		t.Fatal(err)
	}
	now, _ := p.Content(screen, monday10)
	if playing(t, now) != s.slideshow || now.Version == first.Version {
		t.Fatalf("after the edit: plays %s (version %s, was %s)", playing(t, now), now.Version, first.Version)
	}
}

// Screen comes from the cache until a watched record changes: a screen
// moved to another group or deleted is seen at the next poll.
func TestPlayerScreenCache(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	now := monday10
	p.SetNow(func() time.Time { return now })
	first, err := p.Screen(s.screen)
	if err != nil || first.GetString("display_website_group") != s.group {
		t.Fatalf("screen %v: %v", first, err)
	}
	// Written behind the hooks (as the health recorder's columns are):
	// still the cached record.
	if _, err := s.app.DB().Update(collections.DisplayWebsites, dbx.Params{"name": "renamed"},
		dbx.HashExp{"id": s.screen}).Execute(); err != nil {
		t.Fatal(err)
	}
	if again, _ := p.Screen(s.screen); again != first {
		t.Fatal("a valid entry was read again")
	}
	// Nobody announced it, so it is seen once the entry is 2 s old.
	now = now.Add(2 * time.Second)
	if later, _ := p.Screen(s.screen); later == first || later.GetString("name") != "renamed" {
		t.Fatalf("an old entry was trusted: %v", later)
	}
	first, _ = p.Screen(s.screen)
	// Through the app: the next lookup reads the row.
	rec, _ := s.app.FindRecordById(collections.DisplayWebsites, s.screen)
	rec.Set("name", "moved")
	if err := s.app.Save(rec); err != nil {
		t.Fatal(err)
	}
	if now, _ := p.Screen(s.screen); now == first || now.GetString("name") != "moved" {
		t.Fatalf("after the edit: %v", now)
	}
	if err := s.app.Delete(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Screen(s.screen); err == nil {
		t.Fatal("a deleted screen is still found")
	}
	if _, err := p.Screen("123456789012345"); err == nil {
		t.Fatal("an unknown id is found")
	}
}

func TestPlayerExpiresAtTheNextBoundary(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	screen := s.screenRecord(t)
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"before the window: the default", monday10.Add(-2 * time.Hour), s.slideshow},
		{"in the window: the morning show", monday10, s.other},
		{"its last instant still plays it (inclusive)", monday10.Add(time.Hour), s.other},
		{"just after", monday10.Add(time.Hour + time.Millisecond), s.slideshow},
		{"next Monday again", monday10.AddDate(0, 0, 7), s.other},
	}
	for _, tt := range tests { // in time order: each answer must expire in time
		t.Run(tt.name, func(t *testing.T) {
			c, err := p.Content(screen, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := playing(t, c); got != tt.want {
				t.Fatalf("plays %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPlayerErrors(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	screen := s.screenRecord(t)
	screen.Set("display_website_group", "")
	if _, err := p.Content(screen, monday10); !errors.Is(err, schedule.ErrNoGroup) {
		t.Fatalf("no group: %v", err)
	}
	screen = s.screenRecord(t)
	// Without its default the group has nothing outside the Monday window
	// until the window starts: the 404 must end when the window begins.
	g, _ := s.app.FindRecordById(collections.Slideshows, s.slideshow)
	if err := s.app.Delete(g); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Content(screen, monday10.Add(-2*time.Hour)); !errors.Is(err, schedule.ErrNoDefaultContent) {
		t.Fatalf("nothing to play: %v", err)
	}
	if c, err := p.Content(screen, monday10); err != nil || playing(t, c) != s.other {
		t.Fatalf("the cached 404 outlived the boundary: %v", err)
	}
}

func TestHealthWritesSparingly(t *testing.T) {
	s := newSetup(t)
	h := playback.NewHealth(s.app, 2*time.Minute)
	p := playback.NewPlayer(s.app, copenhagen)
	c1, _ := p.Content(s.screenRecord(t), monday10)
	c2, _ := p.Content(s.screenRecord(t), monday10.Add(2*time.Hour))
	lastSeen := func() time.Time {
		return s.screenRecord(t).GetDateTime("last_seen").Time()
	}
	steps := []struct {
		name    string
		offset  time.Duration
		content *playback.Content
		want    time.Duration // the stored last_seen, as an offset
	}{
		{"first sight is written", 0, c1, 0},
		{"same content seconds later is not", 5 * time.Second, c1, 0},
		{"a heartbeat seconds later is not", 8 * time.Second, nil, 0},
		{"new content is written at once", 9 * time.Second, c2, 9 * time.Second},
		{"after the interval it is written", 30 * time.Second, c2, 30 * time.Second},
	}
	for _, st := range steps {
		if err := h.Seen(s.screen, monday10.Add(st.offset), st.content); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(); !got.Equal(monday10.Add(st.want)) {
			t.Fatalf("%s: last_seen %v, want %v", st.name, got, monday10.Add(st.want))
		}
	}
	var last playback.LastContent
	raw, _ := json.Marshal(s.screenRecord(t).Get("last_content"))
	if err := json.Unmarshal(raw, &last); err != nil || last.Version != c2.Version || last.GroupID != s.group {
		t.Fatalf("last_content %s", raw)
	}
	if !h.Online(s.screenRecord(t).GetDateTime("last_seen"), monday10.Add(2*time.Minute)) ||
		h.Online(s.screenRecord(t).GetDateTime("last_seen"), monday10.Add(3*time.Minute)) {
		t.Fatal("online window")
	}
}

// Screens of one group share a cache entry: a second screen costs no
// rendering, and gets the very same answer.
func TestPlayerSharesAnEntryPerGroup(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	second, err := collections.NewRecord(s.app, collections.DisplayWebsites)
	if err != nil {
		t.Fatal(err)
	}
	second.Load(map[string]any{"name": "s2", "branch": s.branch, "display_website_group": s.group})
	if err := s.app.Save(second); err != nil {
		t.Fatal(err)
	}
	first, err := p.Content(s.screenRecord(t), monday10)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := p.Content(second, monday10); again != first {
		t.Fatal("the second screen of the group was rendered again")
	}
	// Lookup tells how long an error holds: a group without default waits
	// for the Monday morning schedule.
	g, _ := s.app.FindRecordById(collections.DisplayWebsiteGroups, s.group)
	if _, err := s.app.DB().Update(collections.DisplayWebsiteGroups, dbx.Params{"default_slideshow": ""}, dbx.HashExp{"id": g.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	p.Changed()
	_, until, err := p.Lookup(second, monday10.Add(-2*time.Hour))
	if !errors.Is(err, schedule.ErrNoDefaultContent) || !until.Equal(time.Date(2026, 3, 30, 9, 0, 0, 0, copenhagen)) {
		t.Fatalf("err %v until %v", err, until)
	}
}

// Groups showing the same slideshow in one generation share its rendering,
// and the content is the bytes Compute makes without the cache (the
// version is a hash of them): markup and characters JSON escapes included.
func TestPlayerRendersASlideshowOncePerChange(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	show, _ := s.app.FindRecordById(collections.Slideshows, s.slideshow)
	show.Set("slideshow_data", map[string]any{"slides": []any{map[string]any{"html": "<b>Ærø & co</b>\u2028\"quoted\"\t"}}})
	if err := s.app.Save(show); err != nil {
		t.Fatal(err)
	}
	hall := apitest.Create(t, s.app, collections.DisplayWebsiteGroups, map[string]any{"name": "hall", "branch": s.branch, "default_slideshow": s.slideshow})
	other := apitest.Create(t, s.app, collections.DisplayWebsites, map[string]any{"name": "s2", "branch": s.branch, "display_website_group": hall.Id})
	early := monday10.Add(-2 * time.Hour) // the default slideshow of both groups
	lobby, err := p.Content(s.screenRecord(t), early)
	if err != nil {
		t.Fatal(err)
	}
	want, err := playback.Compute(s.app, s.screenRecord(t), early, copenhagen)
	if err != nil {
		t.Fatal(err)
	}
	if string(lobby.JSON) != string(want.JSON) || lobby.Version != want.Version {
		t.Fatalf("cached rendering differs:\n%s\n%s", lobby.JSON, want.JSON)
	}

	// A rename the hooks do not see: the second group still gets the
	// slideshow as the first one's rendering read it.
	if _, err := s.app.DB().Update(collections.Slideshows, dbx.Params{"name": "renamed"}, dbx.HashExp{"id": s.slideshow}).Execute(); err != nil {
		t.Fatal(err)
	}
	hallContent, err := p.Content(other, early)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hallContent.JSON), `"name":"welcome"`) {
		t.Fatalf("the slideshow was read again for the second group: %s", hallContent.JSON)
	}
	p.Changed()
	after, err := p.Content(other, early)
	if err != nil {
		t.Fatal(err)
	}
	want, err = playback.Compute(s.app, other, early, copenhagen)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(after.JSON), `"name":"renamed"`) || string(after.JSON) != string(want.JSON) {
		t.Fatalf("after a change: %s\nwant %s", after.JSON, want.JSON)
	}
}

// SeenLater keeps the writes until Flush, which writes them together; a
// later immediate Seen wins over a kept one.
func TestHealthBatchesWrites(t *testing.T) {
	s := newSetup(t)
	h := playback.NewHealth(s.app, 0)
	p := playback.NewPlayer(s.app, copenhagen)
	c1, _ := p.Content(s.screenRecord(t), monday10)
	if err := h.SeenLater(s.screen, monday10, c1); err != nil {
		t.Fatal(err)
	}
	if err := h.SeenLater(s.screen, monday10.Add(20*time.Second), nil); err != nil { // a heartbeat
		t.Fatal(err)
	}
	if !s.screenRecord(t).GetDateTime("last_seen").IsZero() {
		t.Fatal("written before Flush")
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	r := s.screenRecord(t)
	var last playback.LastContent
	raw, _ := json.Marshal(r.Get("last_content"))
	_ = json.Unmarshal(raw, &last)
	if !r.GetDateTime("last_seen").Time().Equal(monday10.Add(20*time.Second)) || last.Version != c1.Version {
		t.Fatalf("after Flush: last_seen %v, last_content %s", r.GetDateTime("last_seen"), raw)
	}
	// A kept heartbeat is superseded by a newer immediate write.
	_ = h.SeenLater(s.screen, monday10.Add(40*time.Second), nil)
	_ = h.Seen(s.screen, monday10.Add(60*time.Second), nil)
	_ = h.Flush()
	if got := s.screenRecord(t).GetDateTime("last_seen").Time(); !got.Equal(monday10.Add(60 * time.Second)) {
		t.Fatalf("last_seen %v", got)
	}
}

// Lookups of one group at the same time render it once: the others wait
// for that rendering and get the same content.
func TestPlayerRendersAGroupOnceForLookupsAtOnce(t *testing.T) {
	s := newSetup(t)
	p := playback.NewPlayer(s.app, copenhagen)
	screen := s.screenRecord(t)
	start := make(chan struct{})
	got := make([]*playback.Content, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			<-start
			got[i], _ = p.Content(screen, monday10)
		})
	}
	close(start)
	wg.Wait()
	for i, c := range got {
		if c == nil || c != got[0] {
			t.Fatalf("lookup %d got %p, the first %p", i, c, got[0])
		}
	}
	if n := p.Renders(); n != 1 {
		t.Fatalf("rendered %d times", n)
	}
}
