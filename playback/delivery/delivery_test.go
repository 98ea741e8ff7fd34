package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
)

// rows is the screen's row as a report reads it.
func rows(t *testing.T, app core.App, id string) []delivery.Row {
	t.Helper()
	r, err := delivery.FindRows(app, dbx.HashExp{"id": id})
	if err != nil || len(r) != 1 {
		t.Fatalf("row of %s: %v %v", id, r, err)
	}
	return r
}

// Two instances' stores over one Redis: what one records is seen by the
// other after its Flush, which also writes the rows; the newest wins.
func TestStoresShareThroughRedis(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	group := apitest.Create(t, app, collections.DisplayWebsiteGroups, map[string]any{
		"name": "g", "branch": tenants.Branch["aarhus"],
		"default_slideshow": apitest.Create(t, app, collections.Slideshows, map[string]any{"name": "s", "branch": tenants.Branch["aarhus"]}).Id,
	}).Id
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"], "display_website_group": group}).Id
	client, prefix := testenv.Redis(t)
	one, two := delivery.New(app, client, prefix), delivery.New(app, client, prefix)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	one.Delivered(id, "v1", at, delivery.ViaSocket)
	one.Acked(id, "v1", at.Add(time.Second))
	if got, _ := two.Of(ctx, rows(t, app, id)); got[0].AckedVersion != "" {
		t.Fatalf("seen before the flush: %+v", got[0])
	}
	if err := one.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := two.Of(ctx, rows(t, app, id))
	if err != nil {
		t.Fatal(err)
	}
	want := delivery.State{DeliveredVersion: "v1", DeliveredAt: at, Via: delivery.ViaSocket, AckedVersion: "v1", AckedAt: at.Add(time.Second)}
	if got[0] != want {
		t.Fatalf("other instance sees %+v, want %+v", got[0], want)
	}
	if row := rows(t, app, id)[0].State(); row != want {
		t.Fatalf("row %+v, want %+v", row, want)
	}
	// A REST poll on the second instance is newer than the socket's delivery.
	two.Delivered(id, "v2", at.Add(time.Minute), delivery.ViaREST)
	if err := two.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = one.Of(ctx, rows(t, app, id))
	if s := got[0]; s.DeliveredVersion != "v2" || s.Via != delivery.ViaREST || s.AckedVersion != "v1" {
		t.Fatalf("after the poll %+v", s)
	}
	// A nil store knows the rows only.
	var none *delivery.Store
	none.Delivered(id, "v3", at.Add(time.Hour), delivery.ViaSocket)
	if got, _ := none.Of(ctx, rows(t, app, id)); got[0].DeliveredVersion != "v2" {
		t.Fatalf("nil store %+v", got[0])
	}
}

// Share reaches the other instances through Redis at once and leaves the
// rows to Flush, which writes a delivery and the ack that followed it
// together.
func TestShareLeavesTheRowsToFlush(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"]}).Id
	client, prefix := testenv.Redis(t)
	one, two := delivery.New(app, client, prefix), delivery.New(app, client, prefix)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	delivered := delivery.State{DeliveredVersion: "v1", DeliveredAt: at, Via: delivery.ViaSocket}
	acked := delivered
	acked.AckedVersion, acked.AckedAt = "v1", at.Add(time.Second)

	before, _ := two.Generation(ctx)
	one.Delivered(id, "v1", at, delivery.ViaSocket)
	if err := one.Share(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := two.Generation(ctx); after == before {
		t.Fatalf("Share of news left the generation at %d", after)
	}
	one.Acked(id, "v1", at.Add(time.Second))
	if err := one.Share(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := two.Of(ctx, rows(t, app, id)); got[0] != acked {
		t.Fatalf("the other instance sees %+v after Share, want %+v", got[0], acked)
	}
	if row := rows(t, app, id)[0].State(); row != (delivery.State{}) {
		t.Fatalf("Share wrote the row: %+v", row)
	}
	if err := one.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if row := rows(t, app, id)[0].State(); row != acked {
		t.Fatalf("after Flush the row is %+v, want %+v", row, acked)
	}
}

// With Redis gone, a flush still writes the rows (and says Redis failed),
// and a report is made from them.
func TestRedisOutageFallsBackToRows(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"]}).Id
	gone := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = gone.Close() })
	s := delivery.New(app, gone, "")
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Delivered(id, "v1", at, delivery.ViaSocket)
	if err := s.Flush(context.Background(), nil); err == nil {
		t.Fatal("no error without Redis")
	}
	if row := rows(t, app, id)[0].State(); row.DeliveredVersion != "v1" {
		t.Fatalf("row %+v", row)
	}
	got, err := delivery.New(app, gone, "").Of(context.Background(), rows(t, app, id))
	if err != nil || got[0].DeliveredVersion != "v1" {
		t.Fatalf("report without Redis: %+v %v", got[0], err)
	}
}

// What the rows refused is written by the next flush, the newest state
// of each screen; what was shared is not shared again.
func TestFlushKeepsWhatTheRowsRefused(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"]}).Id
	client, prefix := testenv.Redis(t)
	s := delivery.New(app, client, prefix)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Delivered(id, "v1", at, delivery.ViaSocket)

	// A table that cannot be written: the UPDATE fails.
	if _, err := app.DB().NewQuery("ALTER TABLE " + collections.DisplayWebsites + " RENAME TO moved_away").Execute(); err != nil {
		t.Fatal(err)
	}
	err := s.Flush(ctx, nil)
	if _, rerr := app.DB().NewQuery("ALTER TABLE moved_away RENAME TO " + collections.DisplayWebsites).Execute(); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil {
		t.Fatal("a refused write was not reported")
	}
	if got, _ := delivery.New(app, client, prefix).Of(ctx, rows(t, app, id)); got[0].DeliveredVersion != "v1" {
		t.Fatalf("the delivery was not shared while the rows failed: %+v", got[0])
	}

	s.Acked(id, "v1", at.Add(time.Second))
	if err := s.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	want := delivery.State{DeliveredVersion: "v1", DeliveredAt: at, Via: delivery.ViaSocket, AckedVersion: "v1", AckedAt: at.Add(time.Second)}
	if row := rows(t, app, id)[0].State(); row != want {
		t.Fatalf("row %+v, want %+v", row, want)
	}
}

// A flush writes the health's sightings in the same UPDATE as the
// deliveries: both screens get their last_seen, the delivered one its
// delivery too, and a sighting alone needs no delivery.
func TestFlushWritesSightingsWithDeliveries(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	delivered := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"]}).Id
	seenOnly := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "b", "branch": tenants.Branch["aarhus"]}).Id
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	health := playback.NewHealth(app, 0)
	for _, id := range []string{delivered, seenOnly} {
		if err := health.SeenLater(id, at, nil); err != nil {
			t.Fatal(err)
		}
	}
	s := delivery.New(app, nil, "")
	s.Delivered(delivered, "v1", at, delivery.ViaSocket)
	if err := s.Flush(context.Background(), health.Take()); err != nil {
		t.Fatal(err)
	}
	if health.Take() != nil {
		t.Fatal("the sightings were handed over twice")
	}
	for _, tc := range []struct {
		id, version string
	}{{delivered, "v1"}, {seenOnly, ""}} {
		row := rows(t, app, tc.id)[0]
		if !row.LastSeen.Time().Equal(at) || row.DeliveredVersion != tc.version {
			t.Fatalf("%s: last_seen %v, delivered %q; want %v, %q", tc.id, row.LastSeen, row.DeliveredVersion, at, tc.version)
		}
	}
}

// The generation moves on with a flush of news (a version a screen had not
// been given or had not acknowledged, a forgotten screen), on every store
// sharing the Redis, and not with a refresh of the same version or with
// sightings alone.
func TestGenerationMovesOnNews(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	id := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{"name": "a", "branch": tenants.Branch["aarhus"]}).Id
	client, prefix := testenv.Redis(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		name  string
		do    func(s *delivery.Store)
		moves bool
	}{
		{"first delivery", func(s *delivery.Store) { s.Delivered(id, "v1", at, delivery.ViaSocket) }, true},
		{"the same version a minute later", func(s *delivery.Store) { s.Delivered(id, "v1", at.Add(time.Minute), delivery.ViaSocket) }, false},
		{"acknowledged", func(s *delivery.Store) { s.Acked(id, "v1", at.Add(time.Minute)) }, true},
		{"a new version", func(s *delivery.Store) { s.Delivered(id, "v2", at.Add(2*time.Minute), delivery.ViaSocket) }, true},
		{"nothing", func(*delivery.Store) {}, false},
		{"forgotten", func(s *delivery.Store) { s.Forget(id) }, true},
	}
	for _, shared := range []bool{true, false} {
		local := delivery.New(app, nil, "")
		writer, reader := local, local
		if shared {
			writer, reader = delivery.New(app, client, prefix), delivery.New(app, client, prefix)
		}
		ctx := context.Background()
		for _, step := range steps {
			before, err := reader.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			step.do(writer)
			sightings := playback.Sightings{id: {"last_seen": delivery.Stamp(at)}}
			if err := writer.Flush(ctx, sightings); err != nil {
				t.Fatal(err)
			}
			after, err := reader.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if moved := after != before; moved != step.moves {
				t.Errorf("Redis %v, %s: generation %d -> %d, want moved %v", shared, step.name, before, after, step.moves)
			}
		}
	}
}
