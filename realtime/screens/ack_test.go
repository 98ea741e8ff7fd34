package screens_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/screens"
)

// state is what the manager's store knows of a screen.
func (e *env) state(t *testing.T, id string) delivery.State {
	t.Helper()
	rows, err := delivery.FindRows(e.app, dbx.HashExp{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.mgr.Delivery().Of(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	return got[0]
}

// A screen acknowledges what it was sent; what it was never sent, a flood
// of acks and an ack before authenticating get error frames and change
// nothing.
func TestAck(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := setup(t, screens.Config{Now: func() time.Time { return now }})
	c, first := e.connect(t, e.aarhus)
	version := first["version"].(string)
	deadline := time.Now().Add(rttest.Wait)
	for e.state(t, e.aarhus.Screen).DeliveredVersion != version {
		if time.Now().After(deadline) {
			t.Fatalf("delivery not recorded: %+v", e.state(t, e.aarhus.Screen))
		}
		time.Sleep(5 * time.Millisecond) // the sender records it right after the write
	}
	if n := e.mgr.Unacknowledged(); n != 1 {
		t.Fatalf("unacknowledged %d before the ack", n)
	}

	for _, tc := range []struct{ send, want string }{
		{`{"type":"ack","version":"not-sent"}`, `{"error":"Unknown content version","code":4004}`},
		{`{"type":"ack"}`, `{"error":"Unknown content version","code":4004}`},
		{`{"type":"ack","version":7}`, `{"error":"Unknown content version","code":4004}`},
	} {
		c.SendRaw(tc.send)
		if got := string(c.NextRaw()); got != tc.want {
			t.Fatalf("%s: got %s, want %s", tc.send, got, tc.want)
		}
	}
	if st := e.state(t, e.aarhus.Screen); !st.AckedAt.IsZero() {
		t.Fatalf("a refused ack was recorded: %+v", st)
	}

	c.Send(map[string]any{"type": "ack", "version": version})
	c.Send(map[string]any{"type": "resend"}) // the answer tells the ack was read
	e.content(t, c)
	st := e.state(t, e.aarhus.Screen)
	if st.AckedVersion != version || !st.AckedAt.Equal(now) || st.Via != delivery.ViaSocket {
		t.Fatalf("after the ack: %+v", st)
	}
	// The resend wrote the same version again; its ack is the newest frame's.
	c.Send(map[string]any{"type": "ack", "version": version})
	c.Send(map[string]any{"type": "resend"})
	e.content(t, c)
	if n := e.mgr.Unacknowledged(); n != 1 { // the second resend is not acknowledged
		t.Fatalf("unacknowledged %d", n)
	}

	// Flushed to the row, without a write per ack.
	if err := e.mgr.Delivery().Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	stored, err := delivery.FindRows(e.app, dbx.HashExp{"id": e.aarhus.Screen})
	if err != nil || len(stored) != 1 {
		t.Fatal(stored, err)
	}
	row := stored[0].State()
	if row.AckedVersion != version || !row.AckedAt.Equal(now) || row.DeliveredVersion != version {
		t.Fatalf("row %+v", row)
	}

	// A flood: the clock stands still, so the burst is all it gets.
	refused := 0
	for range 20 {
		c.Send(map[string]any{"type": "ack", "version": version})
	}
	c.Send(map[string]any{"type": "resend"})
	for {
		m := c.Next()
		if m["type"] == "content" {
			break
		}
		if m["code"] != float64(4008) || m["error"] != "Too many acknowledgements" {
			t.Fatalf("flood answered %v", m)
		}
		refused++
	}
	if refused == 0 { // (at most 8 error frames wait for a socket; the rest are dropped)
		t.Fatal("no ack of the flood was refused")
	}

	// An ack as the first message is not an authentication.
	early := rttest.Dial(t, e.url, nil)
	early.Send(map[string]any{"type": "ack", "version": version})
	early.NextCloses(4002, "Missing authentication")
}
