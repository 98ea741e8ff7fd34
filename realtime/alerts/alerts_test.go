package alerts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/alerts"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/sse"
)

// receiver fails the first post of every alert, then takes it.
type receiver struct {
	mu       sync.Mutex
	attempts int
	got      []map[string]any
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.attempts%2 == 1 {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	r.got = append(r.got, m)
}

func (r *receiver) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.got {
		out = append(out, m["event"].(string))
	}
	return out
}

func setLastSeen(t *testing.T, app core.App, id string, at time.Time) {
	t.Helper()
	dt, _ := types.ParseDateTime(at)
	if _, err := app.DB().Update(collections.DisplayWebsites, dbx.Params{"last_seen": dt.String()}, dbx.HashExp{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
}

// A socket screen gone for longer than OfflineAfter is alerted once; it is
// online again only after staying back for BackAfter without a gap. The
// webhook retries a refused post; the event stream's topic gets each alert.
func TestOfflineHysteresis(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	sig := rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	rest := apitest.Create(t, app, collections.DisplayWebsites, map[string]any{
		"name": "poller", "branch": sig.Branch, "display_website_group": sig.Group,
	}).Id
	for id, via := range map[string]string{sig.Screen: delivery.ViaSocket, rest: delivery.ViaREST} {
		if _, err := app.DB().Update(collections.DisplayWebsites, dbx.Params{delivery.FieldDeliveredVia: via}, dbx.HashExp{"id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	h := hub.NewLocal()
	var mu sync.Mutex
	var published []string
	h.Subscribe(sse.Topic, func(m hub.Message) {
		var a alerts.Alert
		_ = json.Unmarshal(m.Payload, &a)
		mu.Lock()
		published = append(published, a.Kind+":"+a.ID)
		mu.Unlock()
	})
	recv := &receiver{}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mon := alerts.New(app, alerts.Config{
		Hub: h, Now: func() time.Time { return now },
		Reporter: &delivery.Reporter{App: app, OfflineAfter: 2 * time.Minute},
		Webhook:  alerts.NewWebhook(alerts.WebhookConfig{URL: srv.URL, Backoff: time.Millisecond}),
	})
	t.Cleanup(mon.Close)
	check := func() {
		t.Helper()
		if err := mon.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	offlineSince := func() types.DateTime {
		r, err := app.FindRecordById(collections.DisplayWebsites, sig.Screen)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetDateTime(delivery.FieldOfflineSince)
	}

	setLastSeen(t, app, sig.Screen, now.Add(-3*time.Minute))
	setLastSeen(t, app, rest, now.Add(-time.Hour)) // a REST player is not watched
	check()
	check()
	if offlineSince().IsZero() {
		t.Fatal("not marked offline")
	}
	// Back for ten seconds, then gone again: still offline.
	now = now.Add(10 * time.Second)
	setLastSeen(t, app, sig.Screen, now)
	check()
	now = now.Add(3 * time.Minute)
	check()
	// Back, and seen again 30 s and 61 s later: online at the second.
	now = now.Add(10 * time.Second)
	setLastSeen(t, app, sig.Screen, now)
	check()
	now = now.Add(30 * time.Second)
	setLastSeen(t, app, sig.Screen, now)
	check()
	if offlineSince().IsZero() == true {
		t.Fatal("online before staying back for a minute")
	}
	now = now.Add(31 * time.Second)
	setLastSeen(t, app, sig.Screen, now)
	check()
	if !offlineSince().IsZero() {
		t.Fatal("still offline after staying back")
	}
	// Gone again: a new offline alert.
	now = now.Add(3 * time.Minute)
	check()

	want := []string{alerts.KindOffline, alerts.KindOnline, alerts.KindOffline}
	deadline := time.Now().Add(rttest.Wait)
	for len(recv.kinds()) < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %v", recv.kinds())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := recv.kinds(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("webhook got %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(published) != 3 || published[0] != alerts.KindOffline+":"+sig.Screen || published[1] != alerts.KindOnline+":"+sig.Screen {
		t.Fatalf("published %v", published)
	}
}

// The webhook never waits: with a receiver that does not answer, a full
// queue drops alerts instead of blocking the caller.
func TestWebhookQueueIsBounded(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	w := alerts.NewWebhook(alerts.WebhookConfig{URL: srv.URL, Queue: 2, Attempts: 1})
	t.Cleanup(w.Close)
	done := make(chan struct{})
	go func() {
		for range 100 {
			w.Post([]byte(`{}`))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(rttest.Wait):
		t.Fatal("Post blocked")
	}
	if alerts.NewWebhook(alerts.WebhookConfig{}) != nil {
		t.Fatal("a webhook without URL")
	}
}

// A screen just given content over its socket is not offline, though its
// last_seen is written a flush later (seen in the bench: every screen of
// a connect burst was alerted offline as it connected).
func TestDeliveryCountsAsSighting(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	sig := rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name        string
		lastSeen    string
		deliveredAt time.Time
		offline     bool
	}{
		{"delivered now, never seen", "", now, false},
		{"delivered now, seen long ago", delivery.Stamp(now.Add(-time.Hour)), now.Add(-time.Second), false},
		{"delivered and seen long ago", delivery.Stamp(now.Add(-time.Hour)), now.Add(-time.Hour), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := app.DB().Update(collections.DisplayWebsites, dbx.Params{
				delivery.FieldDeliveredVia: delivery.ViaSocket, delivery.FieldDeliveredAt: delivery.Stamp(c.deliveredAt),
				"last_seen": c.lastSeen, delivery.FieldOfflineSince: "",
			}, dbx.HashExp{"id": sig.Screen}).Execute(); err != nil {
				t.Fatal(err)
			}
			rep := &delivery.Reporter{App: app, OfflineAfter: 2 * time.Minute}
			mon := alerts.New(app, alerts.Config{Now: func() time.Time { return now }, Reporter: rep})
			t.Cleanup(mon.Close)
			if err := mon.Check(t.Context()); err != nil {
				t.Fatal(err)
			}
			rows, err := delivery.FindRows(app, dbx.HashExp{"id": sig.Screen})
			if err != nil || len(rows) != 1 {
				t.Fatal(err, rows)
			}
			if got := !rows[0].OfflineSince.IsZero(); got != c.offline {
				t.Fatalf("marked offline: %v, want %v", got, c.offline)
			}
			if online := rep.Online(rows[0], now); online == c.offline {
				t.Fatalf("the report counts it online: %v", online)
			}
		})
	}
}

// A screen on an edge has no delivery in its row (an edge writes none; its
// deliveries are in the store): it is watched when the store says its last
// delivery came through a socket, and not when through REST or never.
func TestEdgeScreensAreWatched(t *testing.T) {
	app := testapp.New(t)
	sig := rttest.NewSignage(t, app, apitest.NewTenants(t, app).Branch["aarhus"], "aarhus")
	screen := func(name string) string {
		return apitest.Create(t, app, collections.DisplayWebsites, map[string]any{
			"name": name, "branch": sig.Branch, "display_website_group": sig.Group,
		}).Id
	}
	onSocket, polling, neverGiven := screen("edge socket"), screen("edge poller"), screen("seen only")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	store := delivery.New(app, nil, "") // in process: what Redis holds for the edges
	store.Delivered(onSocket, "v1", now.Add(-3*time.Minute), delivery.ViaSocket)
	store.Delivered(polling, "v1", now.Add(-3*time.Minute), delivery.ViaREST)
	for _, id := range []string{onSocket, polling, neverGiven} {
		setLastSeen(t, app, id, now.Add(-3*time.Minute))
	}
	mon := alerts.New(app, alerts.Config{
		Now:      func() time.Time { return now },
		Reporter: &delivery.Reporter{App: app, Store: store, OfflineAfter: 2 * time.Minute},
	})
	t.Cleanup(mon.Close)
	if err := mon.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{onSocket: true, polling: false, neverGiven: false} {
		r, err := app.FindRecordById(collections.DisplayWebsites, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := !r.GetDateTime(delivery.FieldOfflineSince).IsZero(); got != want {
			t.Errorf("%s: marked offline %v, want %v", r.GetString("name"), got, want)
		}
	}
}

// An active emergency's numbers are worked out again when a delivery or
// an ack is news, when a screen is marked offline, when the emergency's
// record changes, when its acknowledgement deadline passes, and at least
// every ten seconds; not in every round.
func TestRoundsWorkOutNumbersWhenTheyMayHaveChanged(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	sig := rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	emergency := apitest.Create(t, app, collections.EmergencySlideshows, map[string]any{
		"slideshow": sig.Other, "display_website_groups": []string{sig.Group}, "is_active": true,
	})
	activated := emergency.GetDateTime(delivery.FieldActivatedAt).Time()
	now := activated
	store := delivery.New(app, nil, "")
	rep := &delivery.Reporter{App: app, Player: playback.NewPlayer(app, time.UTC), Store: store, OfflineAfter: 2 * time.Minute}
	mon := alerts.New(app, alerts.Config{Now: func() time.Time { return now }, Reporter: rep, AckWithin: 30 * time.Second})
	t.Cleanup(mon.Close)
	flush := func(sightings playback.Sightings) {
		if err := store.Flush(t.Context(), sightings); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name  string
		at    time.Duration // since the activation
		do    func()
		works bool
	}{
		{"first round", 0, nil, true},
		{"nothing changed", time.Second, nil, false},
		{"a delivery", time.Second, func() { store.Delivered(sig.Screen, "v1", now, delivery.ViaSocket); flush(nil) }, true},
		{"a sighting only", time.Second, func() { flush(playback.Sightings{sig.Screen: {"last_seen": delivery.Stamp(now)}}) }, false},
		{"nine seconds on", 10 * time.Second, nil, false},
		{"ten seconds on", 11 * time.Second, nil, true},
		{"ten more", 21 * time.Second, nil, true},
		{"the deadline passed", 30 * time.Second, nil, true},
		{"a second after it", 31 * time.Second, nil, false},
		{"nearly two minutes unseen", 116 * time.Second, nil, true},
		{"the screen marked offline", 122 * time.Second, nil, true},
		{"another group added", 122 * time.Second, func() {
			hall := apitest.Create(t, app, collections.DisplayWebsiteGroups, map[string]any{
				"name": "hall", "branch": tenants.Branch["aarhus"], "default_slideshow": sig.Slideshow,
			})
			emergency.Set("display_website_groups", []string{sig.Group, hall.Id})
			if err := app.Save(emergency); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, step := range steps {
		before := mon.Reports()
		now = activated.Add(step.at)
		if step.do != nil {
			step.do()
		}
		if err := mon.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
		if worked := mon.Reports() > before; worked != step.works {
			t.Errorf("%s: worked out %v, want %v", step.name, worked, step.works)
		}
	}
	rows, err := delivery.FindRows(app, dbx.HashExp{"id": sig.Screen})
	if err != nil || len(rows) != 1 || rows[0].OfflineSince.IsZero() {
		t.Fatalf("the screen is not marked offline: %+v %v", rows, err)
	}
}
