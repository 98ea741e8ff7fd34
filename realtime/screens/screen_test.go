package screens

import (
	"fmt"
	"testing"
	"time"
)

// A screen remembers the last keepWritten frames written to it: an ack
// names one of them (its first ack counts, with the time since it was
// written), and an older one is unknown.
func TestAckNamesOneOfTheLastFramesWritten(t *testing.T) {
	s := &screen{}
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for i := 1; i <= keepWritten+2; i++ {
		s.wrote(fmt.Sprintf("v%d", i), start.Add(time.Duration(i)*time.Second))
	}
	later := start.Add(time.Minute)
	for _, tc := range []struct {
		version      string
		known, first bool
		latency      time.Duration
	}{
		{"v1", false, false, 0}, // written before the last keepWritten
		{"v2", false, false, 0},
		{"v3", true, true, later.Sub(start.Add(3 * time.Second))},
		{"v3", true, false, 0}, // acknowledged already
		{fmt.Sprintf("v%d", keepWritten+2), true, true, later.Sub(start.Add(time.Duration(keepWritten+2) * time.Second))},
		{"v9", false, false, 0},
	} {
		known, first, latency := s.ack(tc.version, later)
		if known != tc.known || first != tc.first || latency != tc.latency {
			t.Errorf("ack %s: known %v first %v latency %v; want %v %v %v", tc.version, known, first, latency, tc.known, tc.first, tc.latency)
		}
	}
	if s.unacknowledged() {
		t.Error("the newest frame is acknowledged, yet the screen counts as unacknowledged")
	}
	s.wrote("v10", later)
	if !s.unacknowledged() {
		t.Error("a new frame counts as acknowledged")
	}
}
