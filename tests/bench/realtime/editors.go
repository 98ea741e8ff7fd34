package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// editorOrigin is the frontend's origin the editors' sockets come from
// (the servers are told to allow it).
const editorOrigin = "https://cms.bench.example"

// editor is one simulated slideshow editor: one socket, one reader.
type editor struct {
	conn    *websocket.Conn
	want    int                     // editors in a full presence list
	mark    *atomic.Pointer[[]byte] // the current edit's name
	readyAt atomic.Int64            // unix ns: snapshot and full presence list both in
	editAt  atomic.Int64            // unix ns: the current edit's data frame in
	dataIn  atomic.Bool
	failure atomic.Pointer[string] // why it failed or was closed by the server
	frames  atomic.Int64           // presence frames received
}

func (e *editor) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.failure.CompareAndSwap(nil, &msg)
}

var (
	dataPrefix     = []byte(`{"data":`)
	presencePrefix = []byte(`{"presence":`)
	errorPrefix    = []byte(`{"error"`)
	entryMark      = []byte(`"display_name":`)
)

// read marks the editor ready once it has the slideshow and a presence
// list naming every editor, and timestamps the current edit's frame.
func (e *editor) read() {
	for {
		_, msg, err := e.conn.ReadMessage()
		if err != nil {
			e.fail("socket ended: %v", describe(err))
			return
		}
		now := time.Now().UnixNano()
		switch {
		case bytes.HasPrefix(msg, dataPrefix):
			e.dataIn.Store(true)
			if m := e.mark.Load(); m != nil && e.editAt.Load() == 0 && bytes.Contains(msg, *m) {
				e.editAt.Store(now)
			}
		case bytes.HasPrefix(msg, presencePrefix):
			e.frames.Add(1)
			if bytes.Count(msg, entryMark) == e.want && e.dataIn.Load() {
				e.readyAt.CompareAndSwap(0, now)
			}
		case bytes.HasPrefix(msg, errorPrefix):
			e.fail("server error: %.120s", msg)
		}
	}
}

// stormResult is what a join storm and its edits measured.
type stormResult struct {
	Editors, Ready, Failed int
	AllReady               time.Duration // from the first dial to the last editor ready
	PresenceFrames         int64         // received by all editors together
	Edits                  []delivery    // one per edit round
	Failures               []string
}

// joinStorm connects every token's editor to one slideshow at once, over
// the instances in turn, then has the first editor make rounds edits and
// measures how fast each reaches the others.
func joinStorm(urls []string, slideshow, branch string, tokens []string, rounds int, wait time.Duration) stormResult {
	res := stormResult{Editors: len(tokens)}
	var mark atomic.Pointer[[]byte]
	dialer := websocket.Dialer{HandshakeTimeout: wait, ReadBufferSize: 4096, WriteBufferSize: 1024}
	eds := make([]*editor, len(tokens))
	start := time.Now()
	var wg sync.WaitGroup
	for i, token := range tokens {
		e := &editor{want: len(tokens), mark: &mark}
		eds[i] = e
		wg.Go(func() {
			url := fmt.Sprintf("%s/ws/slideshows/%s/?branch=%s", urls[i%len(urls)], slideshow, branch)
			conn, resp, err := dialer.Dial(url, http.Header{"Origin": {editorOrigin}})
			if err != nil {
				if resp != nil {
					err = fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
				}
				e.fail("dial: %v", err)
				return
			}
			e.conn = conn
			auth, _ := json.Marshal(map[string]string{"type": "authenticate", "token": token})
			if err := conn.WriteMessage(websocket.TextMessage, auth); err != nil {
				e.fail("send authenticate: %v", err)
				return
			}
			go e.read()
		})
	}
	wg.Wait()
	deadline := start.Add(wait)
	for time.Now().Before(deadline) && count(eds, func(e *editor) bool { return e.readyAt.Load() != 0 }) < len(eds) {
		time.Sleep(10 * time.Millisecond)
	}
	var last int64
	for _, e := range eds {
		if at := e.readyAt.Load(); at != 0 {
			res.Ready++
			last = max(last, at)
		}
	}
	if res.Ready == len(eds) {
		res.AllReady = time.Duration(last - start.UnixNano())
	}
	for r := range rounds {
		if eds[0].conn == nil || eds[0].failure.Load() != nil {
			break
		}
		name := fmt.Sprintf("bench edit %d %d", r, time.Now().UnixNano())
		m := []byte(name)
		for _, e := range eds {
			e.editAt.Store(0)
		}
		mark.Store(&m)
		update, _ := json.Marshal(map[string]any{"type": "update", "data": map[string]any{"name": name}})
		t0 := time.Now()
		if err := eds[0].conn.WriteMessage(websocket.TextMessage, update); err != nil {
			eds[0].fail("send update: %v", err)
			break
		}
		others := eds[1:]
		end := t0.Add(wait)
		for time.Now().Before(end) && count(others, func(e *editor) bool { return e.editAt.Load() != 0 }) < len(others) {
			time.Sleep(2 * time.Millisecond)
		}
		res.Edits = append(res.Edits, summariseEdit(others, t0))
		time.Sleep(500 * time.Millisecond) // an editor's pause between saves
	}
	for _, e := range eds {
		res.PresenceFrames += e.frames.Load()
		if e.failure.Load() != nil {
			res.Failed++
		}
	}
	count := map[string]int{}
	for _, e := range eds {
		if f := e.failure.Load(); f != nil {
			count[*f]++
		}
	}
	for f, n := range count {
		res.Failures = append(res.Failures, fmt.Sprintf("%6d × %s", n, f))
	}
	slices.Sort(res.Failures)
	for _, e := range eds {
		if e.conn != nil {
			_ = e.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			_ = e.conn.Close()
		}
	}
	return res
}

func summariseEdit(eds []*editor, t0 time.Time) delivery {
	var at []int64
	lost := 0
	for _, e := range eds {
		if v := e.editAt.Load(); v != 0 {
			at = append(at, v)
		} else {
			lost++
		}
	}
	return latencies(at, t0, lost, 0)
}
