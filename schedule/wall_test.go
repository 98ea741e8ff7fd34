package schedule

import (
	"testing"
	"time"
)

// TestWallTimeDST pins the DST rule of wallTime for Copenhagen 2025:
// spring forward on 30 March at 02:00 CET (01:00 UTC) to 03:00 CEST, fall
// back on 26 October at 03:00 CEST (01:00 UTC) to 02:00 CET.
func TestWallTimeDST(t *testing.T) {
	spring := Date{2025, time.March, 30}
	autumn := Date{2025, time.October, 26}
	cases := []struct {
		name  string
		day   Date
		clock string
		want  string // UTC
	}{
		{"spring before the gap", spring, "01:59:59", "2025-03-30 00:59:59"},
		{"spring gap start resolves to the transition (03:00 local)", spring, "02:00", "2025-03-30 01:00"},
		{"spring 02:30 resolves to the transition (03:00 local)", spring, "02:30", "2025-03-30 01:00"},
		{"spring 02:59:59 resolves to the transition", spring, "02:59:59", "2025-03-30 01:00"},
		{"spring 03:00 exists", spring, "03:00", "2025-03-30 01:00"},
		{"spring after the gap", spring, "03:30", "2025-03-30 01:30"},
		{"autumn before the fold", autumn, "01:59", "2025-10-25 23:59"},
		{"autumn 02:00 first occurrence", autumn, "02:00", "2025-10-26 00:00"},
		{"autumn 02:30 first occurrence (CEST)", autumn, "02:30", "2025-10-26 00:30"},
		{"autumn 02:59:59 first occurrence", autumn, "02:59:59", "2025-10-26 00:59:59"},
		{"autumn 03:00 exists once", autumn, "03:00", "2025-10-26 02:00"},
		{"plain winter day", Date{2025, time.January, 6}, "10:00", "2025-01-06 09:00"},
		{"plain summer day", Date{2025, time.June, 2}, "10:00", "2025-06-02 08:00"},
		{"midnight", Date{2025, time.June, 2}, "00:00", "2025-06-01 22:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock, err := ParseClock(c.clock)
			if err != nil {
				t.Fatal(err)
			}
			got := wallTime(c.day, clock, cph)
			if !got.Equal(utc(c.want)) {
				t.Errorf("wallTime(%v, %s) = %v (%v), want %s UTC", c.day, c.clock, got, got.UTC(), c.want)
			}
			if got.Location() != cph {
				t.Errorf("result not in loc: %v", got.Location())
			}
		})
	}
}

// The rule must keep windows ordered: later wall times never give earlier
// instants, on either DST day.
func TestWallTimeMonotone(t *testing.T) {
	for _, day := range []Date{{2025, time.March, 30}, {2025, time.October, 26}, {2024, time.March, 31}} {
		prev := time.Time{}
		for m := 0; m < 24*60; m++ {
			got := wallTime(day, Clock(time.Duration(m)*time.Minute), cph)
			if got.Before(prev) {
				t.Fatalf("%v: minute %d gives %v, before %v", day, m, got, prev)
			}
			prev = got
		}
	}
}

func TestWallTimeOtherZones(t *testing.T) {
	// New York springs forward at 02:00 local to 03:00 (07:00 UTC) and
	// falls back at 02:00 EDT to 01:00 EST (06:00 UTC).
	ny := mustLoad("America/New_York")
	got := wallTime(Date{2025, time.March, 9}, Clock(2*time.Hour+30*time.Minute), ny)
	if !got.Equal(utc("2025-03-09 07:00")) {
		t.Errorf("New York gap: %v", got.UTC())
	}
	got = wallTime(Date{2025, time.November, 2}, Clock(time.Hour+30*time.Minute), ny)
	if !got.Equal(utc("2025-11-02 05:30")) {
		t.Errorf("New York fold: %v", got.UTC())
	}
	// Lord Howe shifts by 30 minutes.
	lh := mustLoad("Australia/Lord_Howe")
	got = wallTime(Date{2025, time.October, 5}, Clock(2*time.Hour+15*time.Minute), lh)
	if got.In(lh).Format("15:04") != "02:30" {
		t.Errorf("Lord Howe gap: %v", got)
	}
}
