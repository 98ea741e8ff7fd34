package screens_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/collections"
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

// WaitQuiet tells whether a fan-out is under way: not while the manager
// is idle, yes while a screen that stopped reading holds a sender, and
// not once it has read everything.
func TestWaitQuiet(t *testing.T) {
	e := setup(t, screens.Config{})
	ctx := context.Background()
	if !e.mgr.WaitQuiet(ctx, 0) {
		t.Fatal("busy before any screen")
	}
	// 200 KB of content: a few frames fill the socket's buffers.
	slides := make([]any, 200)
	for i := range slides {
		slides[i] = map[string]any{"id": i, "text": strings.Repeat("Biblioteket holder åbent. ", 40)}
	}
	e.save(t, collections.Slideshows, e.aarhus.Slideshow, map[string]any{"slideshow_data": map[string]any{"slides": slides}})
	c, _ := e.connect(t, e.aarhus)
	deadline := time.Now().Add(rttest.Wait)
	sent := 0
	for e.mgr.WaitQuiet(ctx, 0) {
		if time.Now().After(deadline) {
			t.Fatalf("never busy after %d resends to a screen that does not read", sent)
		}
		c.Send(map[string]any{"type": "resend"})
		sent++
	}
	// The screen reads again: every pending frame (at most one per
	// resend; a slot keeps only the newest) arrives, and the manager is
	// quiet again.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_ = c.WS.SetReadDeadline(time.Now().Add(time.Second))
			if _, _, err := c.WS.ReadMessage(); err != nil {
				return // no frame for a second: all read
			}
		}
	}()
	if !e.mgr.WaitQuiet(ctx, rttest.Wait) {
		t.Fatal("still busy after the screen read everything")
	}
	<-done
}
