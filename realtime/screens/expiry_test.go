package screens_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/screens"
)

// fakeClock is a clock the test moves.
// The schedule timer wakes at an emergency's expiry, switches it off
// through the app and the screens get their normal content back. The
// timer's firing is stood in for by Recompute (the same path), after the
// clock was moved to the expiry.
func TestEmergencyExpiryWakesAndSwitchesOff(t *testing.T) {
	start := time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC)
	clock := testclock.At(start)
	var current atomic.Pointer[env]
	e := setup(t, screens.Config{Now: clock.Now, Expire: func(now time.Time) (time.Time, error) {
		if e := current.Load(); e != nil {
			return playback.ExpireEmergencies(e.app, now)
		}
		return time.Time{}, nil
	}})
	current.Store(e)
	c, first := e.connect(t, e.aarhus)
	if first["data"].(map[string]any)["emergency_active"] != nil {
		t.Fatalf("an emergency before any: %v", first)
	}

	expires := start.Add(time.Hour)
	em := apitest.Create(t, e.app, collections.EmergencySlideshows, map[string]any{
		"slideshow": e.aarhus.Other, "display_website_groups": []string{e.aarhus.Group}, "is_active": true, "expires_at": expires,
	})
	if m := e.content(t, c); m["data"].(map[string]any)["emergency_active"] != true {
		t.Fatalf("the emergency did not arrive: %v", m)
	}
	deadline := time.Now().Add(rttest.Wait)
	for !e.mgr.NextWake().Equal(expires) {
		if time.Now().After(deadline) {
			t.Fatalf("the timer is set to %v, not to the expiry %v", e.mgr.NextWake(), expires)
		}
		time.Sleep(5 * time.Millisecond)
	}

	clock.Set(expires)
	e.mgr.Recompute(false) // the timer firing
	if m := e.content(t, c); m["data"].(map[string]any)["emergency_active"] != nil {
		t.Fatalf("still the emergency after its expiry: %v", m)
	}
	for {
		r := mustRecord(t, e.app, collections.EmergencySlideshows, em.Id)
		if !r.GetBool("is_active") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired emergency was not switched off")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Sent counts the content frames written and their bytes (for /metrics).
func TestSentCountsContentFrames(t *testing.T) {
	e := setup(t, screens.Config{})
	c := rttest.Dial(t, e.url, nil)
	c.Send(map[string]any{"type": "authenticate", "apiKey": e.aarhus.Key, "displayWebsiteId": e.aarhus.Screen})
	if m := c.Next(); m["type"] != "authenticated" {
		t.Fatalf("first answer %v", m)
	}
	raw := c.NextRaw()
	deadline := time.Now().Add(rttest.Wait)
	for {
		frames, bytes := e.mgr.Sent()
		if frames == 1 && bytes == uint64(len(raw)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sent %d frames, %d bytes; the screen got one of %d bytes", frames, bytes, len(raw))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
