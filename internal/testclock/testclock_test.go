package testclock_test

import (
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/testclock"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := testclock.At(start)
	for _, step := range []struct {
		move func()
		want time.Time
	}{
		{func() {}, start},
		{func() { c.Advance(time.Minute) }, start.Add(time.Minute)},
		{func() { c.Set(start.Add(time.Hour)) }, start.Add(time.Hour)},
	} {
		step.move()
		if got := c.Now(); !got.Equal(step.want) {
			t.Fatalf("now %v, want %v", got, step.want)
		}
	}
}
