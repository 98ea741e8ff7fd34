package editors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/realtime/hub"
)

func TestPresenceTabs(t *testing.T) {
	f := newFixture(t, Config{})
	tab1 := f.open("alice")
	tab1.until("snapshot", isData)
	tab1.expect(`{"presence":[{"id":"` + f.w.Users["alice"].Id + `","display_name":"alice","initials":"A"}]}`)

	tab2 := f.open("alice")
	tab2.until("snapshot", isData)
	tab2.untilPresence("alice") // one entry for two tabs
	tab1.untilPresence("alice")

	sam := f.open("sam")
	sam.untilPresence("alice,sam")
	tab1.untilPresence("alice,sam")

	_ = tab2.ws.Close() // alice keeps her other tab
	tab1.untilPresence("alice,sam")
	sam.untilPresence("alice,sam")

	_ = sam.ws.Close()
	tab1.untilPresence("alice")
	_ = tab1.ws.Close()
	waitIdle(t, f.ed)
	members, err := f.ed.cfg.Hub.Presence().Members(t.Context(), topicOf(f.show.Id))
	if err != nil || len(members) != 0 {
		t.Fatalf("presence left behind: %v %v", members, err)
	}
}

func TestInitials(t *testing.T) {
	for _, tc := range []struct{ first, last, username, email, id, want string }{
		{"Anna", "Berg", "ab", "", "1", "AB"},
		{"anna maria", "berg", "ab", "", "1", "AM"},
		{"", "berg", "ab", "", "1", "B"},
		{"  ", " ", "alice", "", "1", "A"},
		{"", "", "jens hansen", "", "1", "JH"},
		{"", "", "", "x@y.dk", "1", "X"},
		{"", "", "", "", "7", "U7"},
		{"", "", "   ", "", "7", "  "},
		{"ørjan", "ås", "o", "", "1", "ØÅ"},
	} {
		if got := initials(tc.first, tc.last, tc.username, tc.email, tc.id); got != tc.want {
			t.Errorf("initials(%q, %q, %q, %q) = %q, want %q", tc.first, tc.last, tc.username, tc.email, got, tc.want)
		}
	}
}

// A hub outage warns every editor; the recovery re-sends the slideshow
// and presence.
func TestHubStatus(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.open("sam")
	c.until("snapshot", isData)
	c.untilPresence("sam")
	f.ed.onStatus(errors.New("connection refused"))
	c.expect(`{"error":"Realtime connection lost (Redis); changes by others may arrive late","code":4007}`)
	f.ed.onStatus(nil)
	d, _ := c.next()["data"].(map[string]any)
	if d["name"] != "Show" {
		t.Fatalf("snapshot %v", d)
	}
	c.untilPresence("sam")
}

// A peer that does not read is dropped once its queue is full; the hub
// handler never blocks.
func TestSlowPeerDropped(t *testing.T) {
	s := &session{out: make(chan item, queueSize), stop: make(chan struct{}), writerDone: make(chan struct{})}
	for range queueSize {
		s.deliver(hub.Message{Payload: []byte(`{}`)})
	}
	select {
	case <-s.stop:
		t.Fatal("dropped before the queue was full")
	default:
	}
	s.deliver(hub.Message{Payload: []byte(`{}`)})
	select {
	case <-s.stop:
	default:
		t.Fatal("not dropped")
	}
	if s.stopCode != 1008 {
		t.Fatalf("close code %d", s.stopCode)
	}
}

// Presence is state: a peer that is slow to read keeps only the newest
// unsent list, is never dropped for it, and its other frames still queue.
func TestPresenceNeverFillsTheQueue(t *testing.T) {
	s := &session{out: make(chan item, queueSize), presenceDue: make(chan struct{}, 1),
		stop: make(chan struct{}), writerDone: make(chan struct{})}
	for i := range 10 * queueSize {
		s.deliver(hub.Message{Payload: fmt.Appendf(nil, `{"presence":[{"id":"%d"}]}`, i)})
	}
	select {
	case <-s.stop:
		t.Fatalf("dropped for presence frames (code %d)", s.stopCode)
	default:
	}
	if got, want := string(*s.presence.Load()), fmt.Sprintf(`{"presence":[{"id":"%d"}]}`, 10*queueSize-1); got != want {
		t.Fatalf("kept %s, want the newest %s", got, want)
	}
	if len(s.out) != 0 || len(s.presenceDue) != 1 {
		t.Fatalf("queued %d frames and %d signals, want 0 and 1", len(s.out), len(s.presenceDue))
	}
	s.deliver(hub.Message{Payload: []byte(`{"data":{}}`)})
	if len(s.out) != 1 {
		t.Fatalf("a data frame was not queued (%d)", len(s.out))
	}
}

// failingPresence is a hub whose presence store is down.
type failingPresence struct{ *hub.Local }

func (failingPresence) Presence() hub.Presence { return brokenPresence{} }

type brokenPresence struct{}

var errDown = errors.New("presence down")

func (brokenPresence) Join(context.Context, string, string, string) error { return errDown }
func (brokenPresence) Leave(context.Context, string, string) error        { return errDown }
func (brokenPresence) Members(context.Context, string) ([]string, error)  { return nil, errDown }

// Presence failures are reported (4007) and the socket stays open.
func TestPresenceErrors(t *testing.T) {
	f := newFixture(t, Config{Hub: failingPresence{hub.NewLocal()}})
	c := f.open("alice")
	c.until("snapshot", isData)
	c.expect(`{"error":"User could not be added to list of active users","code":4007}`)
	c.expect(`{"error":"Could not broadcast list of active users","code":4007}`)
	c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Still saved"}})
	c.expect(`{"message":"Slideshow updated"}`)
	c.until("broadcast", isData)
	c.expectOnly()
}

// Presence requests of one slideshow within a window share one frame:
// a burst of joins costs one presence frame per editor, not one per join.
func TestPresenceRequestsShareAWindow(t *testing.T) {
	f := newFixture(t, Config{PresenceDelay: time.Hour}) // the window stays open
	first := f.ed.presenceSoon(f.show.Id)
	for range 50 {
		if f.ed.presenceSoon(f.show.Id) != first {
			t.Fatal("a request in the open window started another")
		}
	}
	if other := f.ed.presenceSoon("another"); other == first {
		t.Fatal("two slideshows share a window")
	}
	f.ed.Close()
	if err := first.wait(t.Context()); !errors.Is(err, errPresenceStopped) {
		t.Fatalf("a window open at shutdown answered %v", err)
	}
	if err := f.ed.presenceSoon(f.show.Id).wait(t.Context()); !errors.Is(err, errPresenceStopped) {
		t.Fatalf("a request after shutdown answered %v", err)
	}
}

// Many editors joining together all end up with the full list, and the
// first of them is not sent one frame per join.
func TestPresenceOfAJoinBurst(t *testing.T) {
	f := newFixture(t, Config{})
	const n = 12
	var names []string
	var socks []*client
	for i := range n {
		name := fmt.Sprintf("editor%02d", i)
		u := apitest.Create(t, f.app, collections.Users, map[string]any{"username": name, "password": name + "-password", "is_active": true})
		apitest.Create(t, f.app, collections.Memberships, map[string]any{"user": u.Id, "role": collections.RoleOrgAdmin, "organisation": f.w.Org["aarhus"]})
		names = append(names, name)
	}
	for _, name := range names {
		socks = append(socks, f.open(name))
	}
	want := strings.Join(names, ",")
	frames := 0
	socks[0].until("the full list", func(m map[string]any) bool {
		if isPresence(m) {
			frames++
		}
		return isPresence(m) && presenceNames(m) == want
	})
	for _, c := range socks[1:] {
		c.untilPresence(want)
	}
	if frames > n {
		t.Fatalf("the first editor got %d presence frames for %d joins", frames, n)
	}
}
