package screens_test

import (
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/realtime/screens"
)

// FuzzSocket sends arbitrary first and second messages through the real
// socket: every answer is an authenticated, content or error frame, every
// error frame is followed by the close of its code (first message) or
// keeps the socket (later ones), and no goroutine outlives its socket.
func FuzzSocket(f *testing.F) {
	e := setup(f, screens.Config{AuthTimeout: 2 * time.Second})
	hello := `{"type":"authenticate","apiKey":"` + e.aarhus.Key + `","displayWebsiteId":` + e.aarhus.Screen + `}`
	for _, seed := range [][2]string{
		{hello, `{"type":"resend"}`}, {hello, `{"type":"ack","version":"x"}`}, {hello, `{"type":"ack","version":null}`}, {`{"type":"ack","version":"x"}`, ``}, {hello, `nope`}, {hello, `[]`}, {`{"type":1}`, ``}, {`{"type":"authenticate","apiKey":null}`, ``},
		{`{"type":"authenticate","apiKey":"` + e.aarhus.Key + `","uid":{"x":1}}`, ``}, {"\xff", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	base := runtime.NumGoroutine()
	f.Cleanup(func() { settled(f, base) })
	f.Fuzz(func(t *testing.T, first, second string) {
		c := rttest.Dial(t, e.url, nil)
		defer c.WS.Close()
		c.SendRaw(first)
		m := next(t, c)
		if m == nil {
			return
		}
		if m["type"] != "authenticated" {
			errorFrame(t, m)
			c.ExpectClose(int(m["code"].(float64)))
			return
		}
		content := next(t, c)
		if content["type"] != "content" {
			t.Fatalf("after authenticated: %v", content)
		}
		c.SendRaw(second)
		c.Send(map[string]any{"type": "ack", "version": content["version"]}) // answered by nothing, or 4008 after a flood
		c.Send(map[string]any{"type": "resend"})
		for {
			m := next(t, c)
			if m["type"] == "content" {
				return // the socket survived the second message
			}
			errorFrame(t, m)
		}
	})
}

func next(t *testing.T, c *rttest.Client) map[string]any {
	t.Helper()
	_ = c.WS.SetReadDeadline(time.Now().Add(rttest.Wait))
	_, raw, err := c.WS.ReadMessage()
	if err != nil {
		if websocket.IsCloseError(err, 4006) {
			return nil // a message too large for the frame reader
		}
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s", raw)
	}
	return m
}

func errorFrame(t *testing.T, m map[string]any) {
	t.Helper()
	code, ok := m["code"].(float64)
	if _, isText := m["error"].(string); !ok || !isText || code < 4001 || code > 4008 || len(m) != 2 {
		t.Fatalf("not an error frame: %v", m)
	}
}

// settled waits for the goroutine count to fall back to base.
func settled(t testing.TB, base int) {
	deadline := time.Now().Add(rttest.Wait)
	for runtime.NumGoroutine() > base+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left (base %d):\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
