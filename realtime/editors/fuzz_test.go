package editors

import (
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// FuzzMessages sends arbitrary first and later messages through a real
// socket: the server never panics, every frame it sends is one of the
// protocol's, and when the socket is gone no goroutine is left behind.
func FuzzMessages(f *testing.F) {
	fx := newFixture(f, Config{MaxMessage: 2048, AuthTimeout: 2 * time.Second})
	path := fx.path(fx.w.Branch["aarhus"])
	token := fx.token("sam")
	for _, seed := range []struct {
		auth         bool
		first, later string
	}{
		{false, `{"type":"authenticate","token":""}`, ``},
		{false, `{"type":"message"}`, ``},
		{false, `null`, ``},
		{false, `{"type":"authenticate","token":"notavalidtoken"}`, ``},
		{true, `{"type":"update","data":{"name":"Fuzzed"}}`, `[]`},
		{true, `{"type":"update","data":{"mode":"bogus"}}`, `not json`},
		{true, `{}`, `{"type":"update","data":{"slideshow_data":{"slides":[{"name":"x"}]}}}`},
		{true, "\x00\xff", `{"type":"update","data":{"preview_width":-1,"tag_ids":[1,"x"]}}`},
		{true, `{"type":"update","data":{"category_id":99999}}`, `{"type":"authenticate","token":1}`},
		{true, `{"type":"update","data":{"revision":0,"slideshow_data":{"z":1,"a":[{"y":2.50,"b":null}]}}}`, `{"type":"update","data":{"revision":"x"}}`},
		{true, `{"type":"update","data":{"revision":1e3,"name":"Later"}}`, `{"type":"update","data":{"revision":-1,"slideshow_data":"{\"b\":1}"}}`},
	} {
		f.Add(seed.auth, []byte(seed.first), []byte(seed.later))
	}
	run := func(t *testing.T, auth bool, first, later []byte) {
		checkDecoders(t, first, later)
		base := runtime.NumGoroutine()
		ws, resp, err := dialRaw(fx.srv, path, testOrigin)
		if err != nil {
			t.Fatalf("dial: %v %v", err, resp)
		}
		c := &client{t: t, ws: ws}
		msgs := [][]byte{first}
		if auth {
			raw, _ := json.Marshal(map[string]any{"type": "authenticate", "token": token})
			msgs = [][]byte{raw, first, later, []byte(`{"type":"update"}`)}
		}
		for _, m := range msgs {
			if ws.WriteMessage(websocket.TextMessage, m) != nil {
				break // the server closed it (an oversized message)
			}
		}
		closedByServer := readFrames(t, c, auth)
		_ = ws.Close()
		if !auth && !closedByServer {
			t.Fatalf("first message %q did not close the socket", first)
		}
		settle(t, fx.ed, base)
	}
	// Warm up: the app starts some goroutines lazily, for good.
	warm := fx.open("sam")
	warm.send(map[string]any{"type": "update", "data": map[string]any{"name": "Warm"}})
	warm.untilFrame(`{"message":"Slideshow updated"}`)
	_ = warm.ws.Close()
	waitIdle(f, fx.ed)
	f.Fuzz(run)
}

// readFrames checks frames until the sentinel's reply (authenticated) or
// the close (not); it reports whether the server closed the socket.
func readFrames(t *testing.T, c *client, auth bool) bool {
	t.Helper()
	for {
		m, raw, err := c.read()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				if !slices.Contains([]int{4001, 4002, 4004, 4005, 4006, websocket.CloseMessageTooBig}, ce.Code) {
					t.Fatalf("close code %d", ce.Code)
				}
				return true
			}
			t.Fatalf("read: %v %q", err, raw)
		}
		if !validFrame(m) {
			t.Fatalf("unexpected frame %s", raw)
		}
		if auth && sameJSON(m, sentinelReply) {
			return false
		}
	}
}

// validFrame is one of the server → client frames of
// docs/editors-websocket.md, "Messages from the server".
func validFrame(m map[string]any) bool {
	switch {
	case sameJSON(m, `{"type":"authenticated"}`), sameJSON(m, `{"message":"Slideshow updated"}`):
		return true
	case len(m) == 1 && m["data"] != nil:
		_, ok := m["data"].(map[string]any)
		return ok
	case len(m) == 1 && m["presence"] != nil:
		_, ok := m["presence"].([]any)
		return ok
	}
	msg, ok := m["error"].(string)
	code, _ := m["code"].(float64)
	_, detail := m["detail"]
	if _, data := m["data"].(map[string]any); data && code == 4009 {
		return ok && msg == errStaleRevision && len(m) == 3
	}
	return ok && msg != "" && slices.Contains([]float64{4001, 4002, 4004, 4005, 4006, 4007}, code) &&
		(len(m) == 2 || len(m) == 3 && detail)
}

// checkDecoders runs the decoders directly: their errors carry protocol codes.
func checkDecoders(t *testing.T, first, later []byte) {
	t.Helper()
	if tok, e := decodeAuth(first); e != nil {
		if !slices.Contains([]int{4001, 4002, 4004, 4005, 4006}, e.Code) || e.Error == "" || tok != "" {
			t.Fatalf("decodeAuth(%q) = %q, %+v", first, tok, e)
		}
	} else if tok == "" {
		t.Fatalf("decodeAuth(%q) accepted an empty token", first)
	}
	kind, data, fields, e := decodeMessage(later)
	if e != nil && (kind != kindIgnore || data != nil || fields != nil || !slices.Contains([]int{4004, 4005, 4006}, e.Code)) {
		t.Fatalf("decodeMessage(%q) = %v, %v, %+v", later, kind, data, e)
	}
	if kind == kindUpdate && (len(data) == 0 || len(fields) != len(data)) {
		t.Fatalf("decodeMessage(%q): update without data, or data %v and fields %v apart", later, data, fields)
	}
}

// settle waits until ed has no socket and the goroutines are back to base.
func settle(t *testing.T, ed *Editors, base int) {
	t.Helper()
	deadline := time.Now().Add(readTimeout)
	for ed.active() != 0 || runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d sockets and %d goroutines (base %d) left:\n%s", ed.active(), runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(2 * time.Millisecond)
	}
}
