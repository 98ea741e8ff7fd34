package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Marks of a content message: every fan-out round waits for one of them.
// The body leaves emergency_active out when false, so the normal content
// is known by its slideshow's text.
var (
	emergencyOn  = []byte(`"emergency_active":true`)
	emergencyOff = []byte(welcomeText)
)

// screen is one simulated player: one socket and one goroutine reading it.
type screen struct {
	id   string
	inst int // index of the instance it connects to

	conn       *websocket.Conn
	round      *round       // the client's current round
	contentAt  atomic.Int64 // unix ns of the first content message
	roundAt    atomic.Int64 // unix ns of the first content with the round's mark
	messages   atomic.Int64
	contentLen atomic.Int64 // size of the first content message
	acks       bool         // acknowledge every content message
	closed     atomic.Bool  // the socket ended before we closed it
	failure    atomic.Pointer[string]
	closing    atomic.Bool // we are closing it
}

func (s *screen) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.failure.CompareAndSwap(nil, &msg)
}

// hasContent is whether the screen got its first content.
func (s *screen) hasContent() bool { return s.contentAt.Load() != 0 }

// Failure is why the screen never got content or lost its socket ("" if neither).
func (s *screen) Failure() string {
	if p := s.failure.Load(); p != nil {
		return *p
	}
	return ""
}

// client dials screens with small buffers (the client's memory is not
// measured, but 10,000 sockets in one process should stay modest).
type client struct {
	dialer  websocket.Dialer
	key     string
	timeout time.Duration // for dialling, authenticating and the first content
	round   round
	acks    bool // the screens acknowledge content
}

// round knows the mark of the current round and which content versions
// hold it. Each version is searched for the mark once, not each of the
// ten thousand copies: a search through 38 KB of JSON for a mark near its
// end took 21 µs, 0.2 s of the shared CPUs per round, and made every
// "switch on" round look slower than the "switch off" ones.
type round struct {
	mu       sync.Mutex
	mark     []byte
	versions map[string]bool // version -> holds the mark
}

func (r *round) arm(mark []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mark, r.versions = mark, map[string]bool{}
}

// holds reports whether the content message msg of version carries the
// round's mark (false before the first arm).
func (r *round) holds(version string, msg []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mark == nil {
		return false
	}
	has, ok := r.versions[version]
	if !ok {
		has = bytes.Contains(msg, r.mark)
		r.versions[version] = has
	}
	return has
}

// newClient dials with the branch key; compress offers permessage-deflate,
// as browsers do.
func newClient(key string, compress bool) *client {
	return &client{
		key:     key,
		timeout: 60 * time.Second,
		dialer: websocket.Dialer{
			HandshakeTimeout:  60 * time.Second,
			ReadBufferSize:    2048,
			WriteBufferSize:   512,
			WriteBufferPool:   &sync.Pool{},
			EnableCompression: compress,
		},
	}
}

// arm starts a round: every screen's receipt is forgotten, and the next
// content message holding mark is the round's receipt.
func (c *client) arm(screens []*screen, mark []byte) {
	c.round.arm(mark)
	for _, s := range screens {
		s.roundAt.Store(0)
	}
}

// envelope is the part of a server message the handshake looks at.
type envelope struct {
	Type    string `json:"type"`
	Version string `json:"version"`
	Error   string `json:"error"`
	Code    int    `json:"code"`
}

// connect opens the socket of s on url, authenticates and waits for the
// first content message. It returns once that arrived (or failed); the
// socket is then read by a goroutine of its own until it closes.
func (c *client) connect(s *screen, url string) error {
	conn, resp, err := c.dialer.Dial(url, nil)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
		}
		s.fail("dial: %v", err)
		return err
	}
	s.conn, s.round, s.acks = conn, &c.round, c.acks
	auth, _ := json.Marshal(map[string]string{"type": "authenticate", "apiKey": c.key, "displayWebsiteId": s.id})
	_ = conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := conn.WriteMessage(websocket.TextMessage, auth); err != nil {
		s.fail("send authenticate: %v", err)
		_ = conn.Close()
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(c.timeout))
	authenticated := false
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			s.fail("before first content: %v", describe(err))
			_ = conn.Close()
			return err
		}
		s.messages.Add(1)
		var env envelope
		if err := json.Unmarshal(msg, &env); err != nil {
			s.fail("not JSON: %.80q", msg)
			_ = conn.Close()
			return err
		}
		switch {
		case env.Error != "" || env.Code != 0:
			s.fail("server error %d: %s", env.Code, env.Error)
			_ = conn.Close()
			return errors.New(s.Failure())
		case env.Type == "authenticated":
			authenticated = true
		case env.Type == "content" && authenticated:
			s.contentLen.Store(int64(len(msg)))
			s.contentAt.Store(time.Now().UnixNano())
			if v := contentVersion(msg); v != "" && c.acks {
				_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ack","version":"`+v+`"}`))
			}
			_ = conn.SetReadDeadline(time.Time{})
			go s.read()
			return nil
		default:
			s.fail("unexpected message before content: %.80q", msg)
			_ = conn.Close()
			return errors.New(s.Failure())
		}
	}
}

// read timestamps the first content of each round and otherwise only
// keeps the socket alive (gorilla answers the server's pings while it reads).
func (s *screen) read() {
	for {
		msg, err := s.next()
		if err != nil {
			if !s.closing.Load() {
				s.closed.Store(true)
				s.fail("socket ended: %v", describe(err))
			}
			return
		}
		now := time.Now().UnixNano()
		s.messages.Add(1)
		v := contentVersion(msg)
		if v != "" && s.roundAt.Load() == 0 && s.round.holds(v, msg) {
			s.roundAt.Store(now)
		}
		if v != "" && s.acks {
			// A player acknowledges what it shows (docs/screens-websocket.md).
			_ = s.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ack","version":"`+v+`"}`))
		}
		if bytes.HasPrefix(msg, []byte(`{"error"`)) {
			s.fail("server error: %.120s", msg)
		}
		msg = msg[:0]
		buffers.Put(&msg)
	}
}

// contentPrefix starts every content message, its version next.
var contentPrefix = []byte(`{"type":"content","version":"`)

// contentVersion is a content message's version ("" for other messages).
func contentVersion(msg []byte) string {
	rest, ok := bytes.CutPrefix(msg, contentPrefix)
	if !ok {
		return ""
	}
	if end := bytes.IndexByte(rest, '"'); end > 0 {
		return string(rest[:end])
	}
	return ""
}

// buffers are shared by the readers: ten thousand sockets each reading
// into a new slice would make the client's garbage collector, not the
// server, the bottleneck of the measurement.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// next reads one message into a pooled buffer.
func (s *screen) next() ([]byte, error) {
	_, r, err := s.conn.NextReader()
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(*buffers.Get().(*[]byte))
	_, err = buf.ReadFrom(r)
	return buf.Bytes(), err
}

// close ends the socket with a normal close frame.
func (s *screen) close() {
	if s.conn == nil || !s.closing.CompareAndSwap(false, true) {
		return
	}
	_ = s.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = s.conn.Close()
}

// describe shortens a read error to its close code where there is one.
func describe(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("close %d %s", ce.Code, ce.Text)
	}
	return err.Error()
}

// connectAll connects every screen to urls[s.inst], pool at a time, and
// returns when each has its first content or has failed.
func (c *client) connectAll(screens []*screen, urls []string, pool int, progress func(done int)) {
	sem := make(chan struct{}, pool)
	var wg sync.WaitGroup
	var done atomic.Int64
	for _, s := range screens {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_ = c.connect(s, urls[s.inst])
			if d := done.Add(1); progress != nil {
				progress(int(d))
			}
		}()
	}
	wg.Wait()
}
