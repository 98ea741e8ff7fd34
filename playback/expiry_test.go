package playback_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
)

// An emergency stops playing at its expiry whether or not it was switched
// off yet, and ExpireEmergencies switches it off once, through the hooks.
func TestExpireEmergencies(t *testing.T) {
	s := newSetup(t)
	expires := monday10.Add(30 * time.Minute)
	em, err := collections.NewRecord(s.app, collections.EmergencySlideshows)
	if err != nil {
		t.Fatal(err)
	}
	em.Load(map[string]any{"slideshow": s.slideshow, "display_website_groups": []string{s.group}, "is_active": true, "expires_at": expires})
	if err := s.app.Save(em); err != nil {
		t.Fatal(err)
	}
	later, err := collections.NewRecord(s.app, collections.EmergencySlideshows)
	if err != nil {
		t.Fatal(err)
	}
	later.Load(map[string]any{"slideshow": s.other, "display_website_groups": []string{s.group}, "is_active": true, "expires_at": expires.Add(time.Hour)})
	if err := s.app.Save(later); err != nil {
		t.Fatal(err)
	}
	var saves int
	s.app.OnRecordAfterUpdateSuccess(collections.EmergencySlideshows).BindFunc(func(e *core.RecordEvent) error {
		saves++
		return e.Next()
	})

	// An emergency plays (the one with the higher id) and the answer
	// holds until the first expiry; after both, the schedule plays.
	c, err := playback.Compute(s.app, s.screenRecord(t), monday10, copenhagen)
	if err != nil || !c.Result.EmergencyActive || !c.Until.Equal(expires) {
		t.Fatalf("at 10:00: %+v, until %v, %v", c.Result, c.Until, err)
	}
	c, err = playback.Compute(s.app, s.screenRecord(t), expires.Add(time.Hour), copenhagen)
	if err != nil || c.Result.EmergencyActive {
		t.Fatalf("after both expiries the schedule plays: %+v, %v", c.Result, err)
	}

	next, err := playback.ExpireEmergencies(s.app, monday10)
	if err != nil || !next.Equal(expires) || saves != 0 {
		t.Fatalf("before any expiry: next %v, %d saves, %v", next, saves, err)
	}
	next, err = playback.ExpireEmergencies(s.app, expires)
	if err != nil || !next.Equal(expires.Add(time.Hour)) || saves != 1 {
		t.Fatalf("at the first expiry: next %v, %d saves, %v", next, saves, err)
	}
	if r, _ := s.app.FindRecordById(collections.EmergencySlideshows, em.Id); r.GetBool("is_active") {
		t.Fatal("the expired emergency is still active")
	}
	if r, _ := s.app.FindRecordById(collections.EmergencySlideshows, later.Id); !r.GetBool("is_active") {
		t.Fatal("the later emergency was switched off early")
	}
	// Again at the same instant (another instance, say): nothing to do.
	if next, err = playback.ExpireEmergencies(s.app, expires); err != nil || saves != 1 || !next.Equal(expires.Add(time.Hour)) {
		t.Fatalf("twice: next %v, %d saves, %v", next, saves, err)
	}
	if next, err = playback.ExpireEmergencies(s.app, expires.Add(2*time.Hour)); err != nil || saves != 2 || !next.IsZero() {
		t.Fatalf("after the last expiry: next %v, %d saves, %v", next, saves, err)
	}
}
