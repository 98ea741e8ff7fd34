package rttest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Events reads the custom-event frames of a live-event stream (/events).
type Events struct {
	t      testing.TB
	events chan map[string]any
}

// OpenEvents connects to url's event stream until the test ends.
func OpenEvents(t testing.TB, url string) *Events {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &Events{t: t, events: make(chan map[string]any, 100)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		name := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "custom-event":
				var m map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m) == nil {
					s.events <- m
				}
			case line == "":
				name = ""
			}
		}
	}()
	return s
}

// Next is the next custom-event's data; it fails the test when none
// arrives within Wait or the stream ends.
func (s *Events) Next() map[string]any {
	s.t.Helper()
	select {
	case m, ok := <-s.events:
		if !ok {
			s.t.Fatal("the event stream ended")
		}
		return m
	case <-time.After(Wait):
		s.t.Fatal("no event")
	}
	return nil
}
