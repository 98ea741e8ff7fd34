// Package sse serves the frontend's live-event stream, GET /events
// (docs/api.md, "Live events"): a Server-Sent Events stream with no auth and
// CORS "*", on which every notice of a committed change (realtime/changes)
// arrives as
//
//	event: custom-event
//	data: {"model":"Slideshow","id":"123"}
//
// to every client, whichever instance made the change. The frontend
// filters them itself.
//
// The handler is mounted on PocketBase's router and on a second, plain
// listener (default :3000), where the unchanged frontend looks for it.
//
// Each client has a bounded queue: the hub delivers on the publisher's
// goroutine, so a client that does not keep up (more than QueueBytes of
// events waiting for it) is dropped, its response ended (EventSource
// reconnects), instead of slowing the others. The bound is in bytes, not
// events, so a burst (a cascade delete, an import) does not drop clients
// that read.
package sse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
)

// EventName is the SSE event name the frontend listens for.
const EventName = "custom-event"

// Path is where the stream is served.
const Path = "/events"

// Topic carries custom events that are not record changes (the screens'
// alerts): each payload is one JSON object, sent as a custom-event's data
// to the clients of every instance.
const Topic = "events"

// Defaults of Config.
const (
	DefaultKeepAlive  = 15 * time.Second
	DefaultQueueBytes = 1 << 20
	// RetryMillis is the reconnection delay sent to EventSource (upstream's
	// player reconnects after 10 s itself).
	RetryMillis = 10000
)

// closeGrace is how long Close lets streams end cleanly before it cuts
// their connections.
const closeGrace = time.Second

// Config is what a Stream needs.
type Config struct {
	// Hub carries the changes (topic changes.Topic).
	Hub hub.Hub
	// Addr is the second listener, e.g. ":3000"; "" or "off" for none.
	Addr string
	// KeepAlive is the interval of ": keep-alive" comment lines (default 15s).
	KeepAlive time.Duration
	// QueueBytes is how much event text may wait for one client before it
	// counts as too slow and is dropped (default 1 MiB, thousands of
	// notices). Frames are shared between clients, so this is a bound,
	// not an allocation.
	QueueBytes int
}

// Stream is the custom-event stream of one instance.
type Stream struct {
	app        core.App
	addr       string
	keepAlive  time.Duration
	queueBytes int

	unsubscribe, unsubscribeEvents func()

	mu       sync.RWMutex
	clients  map[*client]struct{}
	closed   bool
	server   *http.Server
	listener net.Listener
	serving  chan struct{} // closed when the listener's Serve returned

	handlers sync.WaitGroup // running stream handlers
}

// New returns the stream of app's changes on cfg.Hub. Nothing listens
// until Listen; Serve works at once.
func New(app core.App, cfg Config) *Stream {
	s := &Stream{
		app:        app,
		addr:       strings.TrimSpace(cfg.Addr),
		keepAlive:  cfg.KeepAlive,
		queueBytes: cfg.QueueBytes,
		clients:    map[*client]struct{}{},
	}
	if s.keepAlive <= 0 {
		s.keepAlive = DefaultKeepAlive
	}
	if s.queueBytes <= 0 {
		s.queueBytes = DefaultQueueBytes
	}
	if s.addr == "off" {
		s.addr = ""
	}
	if cfg.Hub != nil {
		s.unsubscribe = cfg.Hub.Subscribe(changes.Topic, s.deliver)
		s.unsubscribeEvents = cfg.Hub.Subscribe(Topic, func(m hub.Message) { s.Send(m.Payload) })
	}
	return s
}

func (s *Stream) log() *slog.Logger { return s.app.Logger() }

// Serve answers GET /events (and its OPTIONS preflight) on PocketBase's
// router. The stream lasts until the client leaves, the request context
// ends (PocketBase cancels it on shutdown) or Close.
func (s *Stream) Serve(e *core.RequestEvent) error {
	// Like PocketBase's own realtime route: a stream is not an activity
	// worth a log row (apis.SkipSuccessActivityLog sets this key).
	e.Set("__skipSuccessActivityLogger", true)
	s.ServeHTTP(e.Response, e.Request)
	return nil
}

// ServeHTTP is the stream as a plain http.Handler (any path).
func (s *Stream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, OPTIONS")
		writeJSONError(w, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}

	rc := http.NewResponseController(w)
	c, ok := s.register(rc, r)
	if !ok {
		writeJSONError(w, http.StatusServiceUnavailable, "The server is shutting down.")
		return
	}
	defer s.unregister(c)

	// The server's WriteTimeout (PocketBase: 5 min) would cut the stream.
	// (Its ReadTimeout does not: net/http clears the read deadline when it
	// starts watching a bodiless request's connection for a close.)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log().Warn("realtime: events stream: cannot clear the write deadline", "error", err)
	}

	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Sent and flushed at once, so EventSource fires "open".
	if !c.write(w, rc, fmt.Appendf(nil, "retry: %d\n\n", RetryMillis)) {
		return
	}
	s.log().Debug("realtime: events stream opened", "remote", r.RemoteAddr)

	keepAlive := time.NewTicker(s.keepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.gone:
			return
		case <-keepAlive.C:
			if !c.write(w, rc, []byte(": keep-alive\n\n")) {
				return
			}
		case <-c.wake:
			// Everything waiting goes out in one flush.
			if !c.write(w, rc, c.take()...) {
				return
			}
		}
	}
}

// Handler is the second listener's handler: the stream at /events, a
// PocketBase-style JSON 404 elsewhere.
func (s *Stream) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, s)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "The requested resource wasn't found.")
	})
	return mux
}

// Listen starts the second listener (a plain net/http server with Handler)
// on the configured address; with none it does nothing. It fails when the
// address cannot be bound. Calling it again while listening does nothing.
func (s *Stream) Listen() error {
	if s.addr == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("realtime: events stream is closed")
	}
	if s.listener != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("realtime: events listener on %s: %w", s.addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log().Handler(), slog.LevelDebug),
	}
	s.server, s.listener, s.serving = srv, ln, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log().Error("realtime: events listener stopped", "addr", ln.Addr().String(), "error", err)
		}
	}(s.serving)
	s.log().Info("realtime: serving /events", "addr", ln.Addr().String())
	return nil
}

// Addr is the bound address of the second listener ("" when none).
func (s *Stream) Addr() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Clients is the number of open streams.
func (s *Stream) Clients() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.clients)
}

// Close ends every stream and stops the listener. Streams get a moment to
// end cleanly; the connections of those that do not (a client that does
// not read) are cut. Later requests are answered 503.
func (s *Stream) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	open := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		open = append(open, c)
	}
	srv, serving := s.server, s.serving
	s.mu.Unlock()

	if s.unsubscribe != nil {
		s.unsubscribe()
		s.unsubscribeEvents()
	}
	for _, c := range open {
		c.end(false)
	}
	if !waitTimeout(&s.handlers, closeGrace) {
		for _, c := range open {
			c.end(true)
		}
		waitTimeout(&s.handlers, closeGrace)
	}
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		cancel()
		<-serving
	}
}

// waitTimeout waits for wg up to d; false when it timed out.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func (s *Stream) register(rc *http.ResponseController, r *http.Request) (*client, bool) {
	c := &client{
		wake:   make(chan struct{}, 1),
		gone:   make(chan struct{}),
		rc:     rc,
		active: true,
		remote: r.RemoteAddr,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	s.clients[c] = struct{}{}
	s.handlers.Add(1)
	return c, true
}

func (s *Stream) unregister(c *client) {
	c.mu.Lock()
	c.active = false // from now on the connection is not ours to cut
	c.mu.Unlock()
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	s.handlers.Done()
	s.log().Debug("realtime: events stream closed", "remote", c.remote)
}

// deliver is the hub handler: it runs on the publisher's goroutine, so it
// only queues, never waits.
func (s *Stream) deliver(m hub.Message) {
	if s.Clients() == 0 {
		return
	}
	c, err := changes.Decode(m.Payload)
	if err != nil {
		s.log().Debug("realtime: events stream: undecodable change", "error", err)
		return
	}
	frame := Frame(c.Notices)
	if frame == nil {
		return
	}
	s.fanOut(frame)
}

// Send queues one custom-event with data (a JSON object) for this
// instance's clients; it never waits.
func (s *Stream) Send(data []byte) {
	var line bytes.Buffer // one line: a data field ends at a newline
	if s.Clients() == 0 || json.Compact(&line, data) != nil {
		return
	}
	frame := make([]byte, 0, line.Len()+40)
	frame = append(frame, "event: "+EventName+"\ndata: "...)
	frame = append(frame, line.Bytes()...)
	frame = append(frame, "\n\n"...)
	s.fanOut(frame)
}

func (s *Stream) fanOut(frame []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for cl := range s.clients {
		if !cl.push(frame, s.queueBytes) && cl.end(true) {
			s.log().Warn("realtime: events client too slow, dropped", "remote", cl.remote, "queueBytes", s.queueBytes)
		}
	}
}

// Frame is the SSE text of notices: one custom-event each (nil for none).
func Frame(notices []changes.Notice) []byte {
	var buf []byte
	for _, n := range notices {
		data, err := json.Marshal(n)
		if err != nil {
			continue
		}
		buf = append(buf, "event: "+EventName+"\ndata: "...)
		buf = append(buf, data...)
		buf = append(buf, "\n\n"...)
	}
	return buf
}

// client is one open stream.
type client struct {
	wake   chan struct{} // poked when frames are waiting
	gone   chan struct{} // closed to end the stream
	once   sync.Once
	remote string

	mu      sync.Mutex
	pending [][]byte // frames waiting, shared with other clients: read-only
	size    int      // their bytes
	rc      *http.ResponseController
	active  bool // the handler still runs: its connection may be cut
}

// push queues frame unless more than limit bytes would wait (a single
// frame larger than limit still goes to a client that has nothing waiting).
func (c *client) push(frame []byte, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size > 0 && c.size+len(frame) > limit {
		return false
	}
	c.pending = append(c.pending, frame)
	c.size += len(frame)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// take removes and returns the waiting frames.
func (c *client) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	frames := c.pending
	c.pending, c.size = nil, 0
	return frames
}

// end asks the stream to stop; cut also interrupts a write blocked on a
// client that does not read, by moving the write deadline to now (the
// server then closes the connection). It reports whether this call ended
// the stream.
func (c *client) end(cut bool) bool {
	first := false
	c.once.Do(func() {
		first = true
		close(c.gone)
	})
	if cut {
		c.mu.Lock()
		if c.active {
			_ = c.rc.SetWriteDeadline(time.Now())
		}
		c.mu.Unlock()
	}
	return first
}

// write sends frames and flushes; false when the stream is over.
func (c *client) write(w http.ResponseWriter, rc *http.ResponseController, frames ...[]byte) bool {
	for _, b := range frames {
		if _, err := w.Write(b); err != nil {
			return false
		}
	}
	if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return false
	}
	select {
	case <-c.gone:
		return false
	default:
		return true
	}
}

func writeJSONError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]any{"status": status, "message": message, "data": map[string]any{}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
