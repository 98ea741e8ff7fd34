package delivery_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/settings"
)

// activeEmergency is an app with a branch, a group of it and an active
// emergency over that group.
func activeEmergency(t *testing.T) (app core.App, branch, group string, emergency *core.Record) {
	t.Helper()
	app = testapp.New(t)
	branch = apitest.NewTenants(t, app).Branch["aarhus"]
	show := apitest.Create(t, app, collections.Slideshows, map[string]any{"name": "normal", "branch": branch}).Id
	alarm := apitest.Create(t, app, collections.Slideshows, map[string]any{"name": "alarm", "branch": branch}).Id
	group = apitest.Create(t, app, collections.DisplayWebsiteGroups, map[string]any{"name": "g", "branch": branch, "default_slideshow": show}).Id
	emergency = apitest.Create(t, app, collections.EmergencySlideshows, map[string]any{
		"slideshow": alarm, "display_website_groups": []string{group}, "is_active": true,
	})
	return app, branch, group, emergency
}

// Summarize counts exactly what Report counts, and keeps only the screens
// an alert names: online, not acknowledged, not a REST player.
func TestSummarizeKeepsOnlyTheUnacknowledged(t *testing.T) {
	app, branch, group, emergency := activeEmergency(t)
	now := time.Now()
	ids := map[string]string{}
	for name, seen := range map[string]time.Time{
		"acked": now, "unacked": now, "rest poller": now, "offline": now.Add(-time.Hour), "never seen": {},
	} {
		fields := map[string]any{"name": name, "branch": branch, "display_website_group": group}
		if !seen.IsZero() {
			fields["last_seen"] = delivery.Stamp(seen)
		}
		ids[name] = apitest.Create(t, app, collections.DisplayWebsites, fields).Id
	}
	store := delivery.New(app, nil, "")
	rp := &delivery.Reporter{App: app, Player: playback.NewPlayer(app, settings.Default().TimeZone), Store: store}
	first, err := rp.Report(context.Background(), emergency, now)
	if err != nil || len(first.Screens) != 5 || first.Screens[0].Expected == "" {
		t.Fatalf("report before any delivery: %+v %v", first, err)
	}
	version := first.Screens[0].Expected
	store.Delivered(ids["acked"], version, now, delivery.ViaSocket)
	store.Acked(ids["acked"], version, now)
	store.Delivered(ids["unacked"], version, now, delivery.ViaSocket)
	store.Delivered(ids["rest poller"], version, now, delivery.ViaREST)

	full, err := rp.Report(context.Background(), emergency, now)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := store.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rp.Summarize(context.Background(), emergency, now, gen)
	if err != nil {
		t.Fatal(err)
	}
	want := delivery.Summary{Screens: 5, Online: 3, Delivered: 3, Acknowledged: 1, Offline: 2}
	if full.Summary != want || sum.Summary != want {
		t.Errorf("summaries: report %+v, summarize %+v, want %+v", full.Summary, sum.Summary, want)
	}
	names := func(ss []delivery.Screen) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Row.Name)
		}
		return out
	}
	if got := names(full.Screens); len(got) != 5 {
		t.Errorf("report's screens %v", got)
	}
	if got := names(full.Unacknowledged()); !slices.Equal(got, []string{"unacked"}) {
		t.Errorf("report's unacknowledged %v", got)
	}
	if got := names(sum.Screens); !slices.Equal(got, []string{"unacked"}) {
		t.Errorf("summarize kept %v", got)
	}
}

// Summarize reads the states from Redis once per generation: a state
// written behind the store's back is not seen until the generation moves;
// Report always reads them.
func TestSummarizeReadsStatesOncePerGeneration(t *testing.T) {
	app, branch, group, emergency := activeEmergency(t)
	now := time.Now()
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{
		"name": "lobby", "branch": branch, "display_website_group": group, "last_seen": delivery.Stamp(now),
	}).Id
	client, prefix := testenv.Redis(t)
	store := delivery.New(app, client, prefix)
	rp := &delivery.Reporter{App: app, Player: playback.NewPlayer(app, settings.Default().TimeZone), Store: store}
	ctx := context.Background()
	first, err := rp.Report(ctx, emergency, now)
	if err != nil || len(first.Screens) != 1 {
		t.Fatalf("%+v %v", first, err)
	}
	version := first.Screens[0].Expected
	store.Delivered(id, version, now, delivery.ViaSocket)
	if err := store.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	acked := func(summarize bool) int {
		t.Helper()
		if !summarize {
			rep, err := rp.Report(ctx, emergency, now)
			if err != nil {
				t.Fatal(err)
			}
			return rep.Summary.Acknowledged
		}
		gen, err := store.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := rp.Summarize(ctx, emergency, now, gen)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Summary.Acknowledged
	}
	if n := acked(true); n != 0 {
		t.Fatalf("acknowledged %d before any ack", n)
	}
	// Another process acknowledges without moving the generation.
	if err := client.HSet(ctx, prefix+id, "av", version, "aa", now.UnixMilli()).Err(); err != nil {
		t.Fatal(err)
	}
	if n := acked(true); n != 0 {
		t.Errorf("Summarize read Redis again at the same generation: %d acknowledged", n)
	}
	if n := acked(false); n != 1 {
		t.Errorf("Report did not read Redis: %d acknowledged", n)
	}
	if rep, err := rp.Summarize(ctx, emergency, now, delivery.NoGeneration); err != nil || rep.Summary.Acknowledged != 1 {
		t.Errorf("Summarize without a generation did not read Redis: %+v %v", rep, err)
	}
	if err := client.Incr(ctx, prefix+"generation").Err(); err != nil {
		t.Fatal(err)
	}
	if n := acked(true); n != 1 {
		t.Errorf("Summarize after the generation moved: %d acknowledged", n)
	}
}
