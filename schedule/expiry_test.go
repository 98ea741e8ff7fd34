package schedule

import (
	"testing"
	"time"
)

// An emergency with an expiry plays while at < ExpiresAt, and its expiry
// is a boundary of its groups only, and only while it is active.
func TestEmergencyExpiry(t *testing.T) {
	in := baseInput()
	expires := local("2025-01-06 12:00")
	in.Emergencies = []Emergency{
		{ID: "5", SlideshowID: "9", GroupIDs: []string{"1"}, Active: true, ExpiresAt: expires},
		{ID: "6", SlideshowID: "8", GroupIDs: []string{"2"}, Active: false, ExpiresAt: local("2025-01-06 11:00")}, // off: no boundary
	}
	if r := mustActive(t, in, "1", expires.Add(-time.Nanosecond), cph); !r.EmergencyActive || r.EmergencyIDs[0] != "5" {
		t.Fatalf("just before its expiry the emergency should play: %+v", r)
	}
	if r := mustActive(t, in, "1", expires, cph); r.EmergencyActive || len(r.EmergencyIDs) != 0 {
		t.Fatalf("at its expiry the emergency should be over: %+v", r)
	}
	for _, c := range []struct {
		group string
		after time.Time
		want  time.Time
	}{
		{"1", local("2025-01-06 09:00"), expires},
		{"1", expires, time.Time{}},
		{"2", local("2025-01-06 09:00"), time.Time{}},
	} {
		got, ok, err := NextChange(in, c.group, c.after, cph)
		if err != nil || ok == c.want.IsZero() || !got.Equal(c.want) {
			t.Errorf("group %s after %v: next %v (%v, %v), want %v", c.group, c.after, got, ok, err, c.want)
		}
	}

	// A later emergency without an expiry outlives an expiring one.
	in.Emergencies = append(in.Emergencies, Emergency{ID: "4", SlideshowID: "7", GroupIDs: []string{"1"}, Active: true})
	if r := mustActive(t, in, "1", expires, cph); !r.EmergencyActive || r.EmergencyIDs[0] != "4" {
		t.Fatalf("the other emergency should play after the expiry: %+v", r)
	}
}
