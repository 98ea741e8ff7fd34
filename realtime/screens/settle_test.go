package screens_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/realtime/screens"
)

// After a burst of content frames (a fan-out to thousands of screens, here
// 500 resends to one) the manager returns the burst's memory to the
// system once it is quiet, as it does after a reconnect storm.
func TestFanOutMemoryReturned(t *testing.T) {
	e := setup(t, screens.Config{})
	c, _ := e.connect(t, e.aarhus)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const frames = 500 // stormSize
	for range frames {
		c.Send(map[string]any{"type": "resend"})
		e.content(t, c)
	}
	deadline := time.Now().Add(rttest.Wait + 3*time.Second) // the release waits for 2 s of quiet
	for {
		var now runtime.MemStats
		runtime.ReadMemStats(&now)
		if now.NumForcedGC > before.NumForcedGC {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no memory returned after %d frames", frames)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
