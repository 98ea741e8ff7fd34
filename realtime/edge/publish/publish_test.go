package publish_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/edge/publish"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/lease"
	"github.com/openstream-go/openstream/settings"
)

// eventually polls cond until it holds (rttest.Wait at most).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(rttest.Wait); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// world is a private Redis with a client and a hub on it, and an app with
// one branch's signage whose changes go through the hub.
func world(t *testing.T) (*redistest.Server, *redis.Client, hub.Hub, core.App, rttest.Signage) {
	t.Helper()
	srv := redistest.Start(t)
	opts, _ := redis.ParseURL(srv.URL())
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	h := hub.NewRedis(redis.NewClient(opts), hub.RedisOptions{})
	t.Cleanup(func() { _ = h.Close() })
	app := testapp.New(t)
	s := rttest.NewSignage(t, app, apitest.NewTenants(t, app).Branch["aarhus"], "aarhus")
	changes.Watch(app, h)
	return srv, client, h, app, s
}

// The primary writes a snapshot that holds exactly the player's body, and
// follows edits, key rotations and deletions.
func TestPublisherKeepsRedisEqualToTheDatabase(t *testing.T) {
	srv, client, h, app, s := world(t)
	loc := settings.Default().TimeZone
	p := publish.New(app, publish.Config{Hub: h, Redis: client, Location: loc})
	notices := make(chan state.Notice, 16)
	h.Subscribe(state.Topic, func(m hub.Message) { notices <- state.DecodeNotice(m.Payload) })
	p.Start()
	t.Cleanup(p.Close)
	store := state.NewStore(client, "")
	load := func() *state.Snapshot {
		snap, err := store.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	eventually(t, "the first snapshot", func() bool { return p.Writes() > 0 })
	if n := <-notices; !n.Full {
		t.Fatalf("first notice %+v", n)
	}

	snap := load()
	screen, _ := app.FindRecordById(collections.DisplayWebsites, s.Screen)
	want, err := playback.Compute(app, screen, time.Now(), loc)
	if err != nil {
		t.Fatal(err)
	}
	got := snap.Contents[state.ContentName(s.Group, s.Branch)]
	if !bytes.Equal(got.Body, want.JSON) || got.Version != want.Version {
		t.Fatalf("content %q %s\nwant %q %s", got.Version, got.Body, want.Version, want.JSON)
	}
	if snap.Screens[s.Screen] != (state.Screen{Branch: s.Branch, Group: s.Group, UID: "aarhus-uid"}) {
		t.Fatalf("screen %+v", snap.Screens[s.Screen])
	}
	oldHash, _ := state.HashKey(s.Key)
	if k := snap.Keys[oldHash]; !k.Active || k.Branch != s.Branch {
		t.Fatalf("key %+v", k)
	}
	raw, _ := client.HGetAll(context.Background(), state.DefaultPrefix+"key:"+oldHash).Result()
	for _, v := range raw {
		if v == s.Key {
			t.Fatal("the key is stored in clear")
		}
	}

	// An edit of the default slideshow changes the body.
	show, _ := app.FindRecordById(collections.Slideshows, s.Slideshow)
	show.Set("name", "renamed")
	if err := app.Save(show); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the edited content", func() bool {
		return load().Contents[state.ContentName(s.Group, s.Branch)].Version != want.Version
	})

	// The screens' rows are read again only after a change of a screen
	// (or a key): a write nobody was told of shows after the next one.
	if _, err := app.DB().Update(collections.DisplayWebsites, dbx.Params{"uid": "untold"}, dbx.HashExp{"id": s.Screen}).Execute(); err != nil {
		t.Fatal(err)
	}
	show.Set("name", "renamed again")
	if err := app.Save(show); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second edit", func() bool {
		return strings.Contains(string(load().Contents[state.ContentName(s.Group, s.Branch)].Body), "renamed again")
	})
	if got := load().Screens[s.Screen].UID; got != "aarhus-uid" {
		t.Fatalf("a content change reread the screens: uid %q", got)
	}
	screen, _ = app.FindRecordById(collections.DisplayWebsites, s.Screen)
	screen.Set("name", "moved")
	if err := app.Save(screen); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the screen's change", func() bool { return load().Screens[s.Screen].UID == "untold" })

	// A rotated key replaces the old one; a deleted screen is gone.
	rotated, err := apikey.Rotate(app, s.Branch)
	if err != nil {
		t.Fatal(err)
	}
	newHash, _ := state.HashKey(rotated.GetString("key"))
	if err := app.Delete(screen); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rotation and the deletion", func() bool {
		snap := load()
		_, old := snap.Keys[oldHash]
		_, kept := snap.Screens[s.Screen]
		return !old && snap.Keys[newHash].Active && !kept
	})

	// A Redis that lost everything gets the full snapshot again.
	srv.Restart()
	eventually(t, "the snapshot after a restart of Redis", func() bool {
		snap, err := store.Load(context.Background())
		return err == nil && snap.Keys[newHash].Active
	})
}

// Of two instances only the lease holder writes; when it stops, the other
// takes over with a full snapshot that holds what changed meanwhile.
func TestOnlyTheLeaseHolderWrites(t *testing.T) {
	_, client, h, app, s := world(t)
	loc := settings.Default().TimeZone
	start := func() (*publish.Publisher, *lease.Lease) {
		l := lease.New(client, "publisher-lease", 1500*time.Millisecond, nil)
		p := publish.New(app, publish.Config{Hub: h, Redis: client, Location: loc, Lease: l})
		p.Start()
		l.Start()
		t.Cleanup(l.Close)
		t.Cleanup(p.Close)
		return p, l
	}
	a, leaseA := start()
	b, _ := start()
	store := state.NewStore(client, "")
	version := func() string {
		snap, err := store.Load(context.Background())
		if err != nil {
			return ""
		}
		return snap.Contents[state.ContentName(s.Group, s.Branch)].Version
	}
	rename := func(name string) string {
		show, _ := app.FindRecordById(collections.Slideshows, s.Slideshow)
		show.Set("name", name)
		if err := app.Save(show); err != nil {
			t.Fatal(err)
		}
		screen, _ := app.FindRecordById(collections.DisplayWebsites, s.Screen)
		c, err := playback.Compute(app, screen, time.Now(), loc)
		if err != nil {
			t.Fatal(err)
		}
		return c.Version
	}
	eventually(t, "the holder's first snapshot", func() bool { return a.Writes() > 0 })
	want := rename("first")
	eventually(t, "the holder writing the edit", func() bool { return version() == want })
	if b.Writes() != 0 {
		t.Fatalf("the other instance wrote %d times", b.Writes())
	}
	// The holder stops (its server terminates); an edit made meanwhile is
	// in the snapshot the other writes on taking over.
	a.Close()
	leaseA.Close()
	want = rename("second")
	eventually(t, "the other instance taking over", func() bool { return b.Writes() > 0 && version() == want })
}
