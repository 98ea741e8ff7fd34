package editors

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// Keepalive of an authenticated socket: a ping every pingInterval, and a
// peer silent (not even a pong) for pongWait is gone. Variables for tests.
var (
	pingInterval = 30 * time.Second
	pongWait     = 75 * time.Second
)

// queueSize bounds the frames waiting for a peer; a peer that lets it fill
// (stopped reading) is dropped rather than holding up the others.
const queueSize = 64

// item is one thing for the writer: a frame, then optionally a close.
type item struct {
	raw    []byte
	close  int
	reason string
}

// final is how a socket ends on the server's initiative: an optional error
// frame, then a close with code.
type final struct {
	frame  *wsconn.Error
	close  int
	reason string
}

// closing is the final of an error frame closed with its own code.
func closing(e *wsconn.Error) *final { return &final{frame: e, close: e.Code, reason: e.Error} }

// session is one editor socket. Its reader is Serve's goroutine; every
// write goes through out to the writer goroutine, so frames keep their
// order and hub handlers only enqueue.
type session struct {
	ed     *Editors
	conn   *wsconn.Conn
	connID string
	param  string // slideshow id as in the URL
	branch string // first non-blank "branch" query value

	out  chan item
	stop chan struct{}
	// presence is the latest presence frame not yet written, and
	// presenceDue says there is one: presence is state, so a newer list
	// replaces an unsent one instead of queueing behind it, and an editor
	// is never dropped because presence frames piled up.
	presence    atomic.Pointer[[]byte]
	presenceDue chan struct{}
	stopOnce    sync.Once
	stopCode    int
	stopReason  string
	writerDone  chan struct{}

	userID string // set once authenticated (reader goroutine only)
	// ownFrom..ownTo is the latest run of revisions made by this socket's
	// saves alone (reader goroutine only; see rebase).
	ownFrom, ownTo int

	mu     sync.Mutex
	joined string // slideshow id whose topic and presence the socket is in
	unsub  func()
}

func newSession(ed *Editors, conn *wsconn.Conn, param string, branch []string) *session {
	s := &session{
		ed:          ed,
		conn:        conn,
		connID:      ed.prefix + strconv.FormatUint(ed.seq.Add(1), 10),
		param:       param,
		out:         make(chan item, queueSize),
		presenceDue: make(chan struct{}, 1),
		stop:        make(chan struct{}),
		writerDone:  make(chan struct{}),
	}
	for _, b := range branch { // parse_qs drops blank values
		if b != "" {
			s.branch = b
			break
		}
	}
	return s
}

// run serves the socket until it closes; every goroutine it started has
// ended when it returns.
func (s *session) run() {
	go s.writeLoop()
	f := s.readLoop()
	s.leave()
	s.finish(f)
}

func (s *session) writeLoop() {
	defer close(s.writerDone)
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case it := <-s.out:
			if !s.write(it) {
				return
			}
		case <-s.presenceDue:
			// What was queued before the list changed goes first, so a
			// join's frames keep their order; the newest list follows.
			for drained := false; !drained; {
				select {
				case it := <-s.out:
					if !s.write(it) {
						return
					}
				default:
					drained = true
				}
			}
			if raw := s.presence.Swap(nil); raw != nil && !s.write(item{raw: *raw}) {
				return
			}
		case <-ping.C:
			if err := s.conn.Ping(); err != nil {
				_ = s.conn.WS().Close()
				return
			}
		case <-s.stop:
			if s.stopCode != 0 {
				s.conn.Close(s.stopCode, s.stopReason)
			} else {
				_ = s.conn.WS().Close()
			}
			return
		}
	}
}

// write sends one item; false when the writer must end (an error, or the
// item was a close).
func (s *session) write(it item) bool {
	if it.raw != nil {
		if err := s.conn.WriteText(it.raw); err != nil {
			_ = s.conn.WS().Close()
			return false
		}
	}
	if it.close != 0 {
		s.conn.Close(it.close, it.reason)
		return false
	}
	return true
}

// enqueue hands it to the writer without blocking; false when the writer
// is gone or the queue is full.
func (s *session) enqueue(it item) bool {
	select {
	case <-s.stop:
		return false
	case <-s.writerDone:
		return false
	default:
	}
	select {
	case s.out <- it:
		return true
	default:
		return false
	}
}

// send queues a frame; a peer whose queue is full is dropped.
func (s *session) send(raw []byte) {
	if !s.enqueue(item{raw: raw}) {
		s.halt(websocket.ClosePolicyViolation, "too slow: send queue full")
	}
}

func (s *session) sendError(e *wsconn.Error) { s.send(marshalFrame(e)) }

// deliver is the hub handler: it runs on the publisher's goroutine.
// Presence frames replace the unsent one; everything else is queued.
func (s *session) deliver(m hub.Message) {
	if !isPresenceFrame(m.Payload) {
		s.send(m.Payload)
		return
	}
	s.setPresence(m.Payload)
	if m.Remote {
		s.ed.presenceCheck(strings.TrimPrefix(m.Topic, topicOf("")))
	}
}

// setPresence makes raw the presence frame the writer sends next.
func (s *session) setPresence(raw []byte) {
	s.presence.Store(&raw)
	select {
	case s.presenceDue <- struct{}{}:
	default: // the writer has not taken the last signal yet; it reads the newest
	}
}

// presencePrefix starts every presence frame (presenceFrame's marshalling
// of its one key); no other frame of the topic starts with it.
var presencePrefix = []byte(`{"presence":`)

func isPresenceFrame(raw []byte) bool { return bytes.HasPrefix(raw, presencePrefix) }

// halt stops the writer, which closes the socket with code (none when 0).
func (s *session) halt(code int, reason string) {
	s.stopOnce.Do(func() {
		s.stopCode, s.stopReason = code, reason
		close(s.stop)
	})
}

// shutdown closes the socket with 1001 after what is already queued.
func (s *session) shutdown() {
	const reason = "server shutting down"
	if !s.enqueue(item{close: websocket.CloseGoingAway, reason: reason}) {
		s.halt(websocket.CloseGoingAway, reason)
	}
}

// finish ends the writer and drops the connection. When the server ends
// the socket (f), the writer sends f's frame and close first, and the
// peer's close answer is awaited (wsconn's grace), so the last frames are
// not lost to a TCP reset. When the peer is gone, or already answered a
// close the writer sent, the connection is dropped at once. A peer that
// does not take the last frame in time is cut off.
func (s *session) finish(f *final) {
	if f == nil {
		_ = s.conn.WS().Close()
		s.halt(0, "")
	} else {
		it := item{close: f.close, reason: f.reason}
		if f.frame != nil {
			it.raw = marshalFrame(f.frame)
		}
		if !s.enqueue(it) {
			s.halt(f.close, f.reason)
		}
	}
	select {
	case <-s.writerDone:
	case <-time.After(wsconn.WriteTimeout + time.Second):
		_ = s.conn.WS().Close()
		<-s.writerDone
	}
	if f != nil {
		s.conn.Drain()
	}
	_ = s.conn.WS().Close()
}

// readLoop reads until the socket ends; a non-nil final is how the server
// closes it.
func (s *session) readLoop() *final {
	ws := s.conn.WS()
	limit := s.ed.cfg.MaxMessage
	_ = ws.SetReadDeadline(time.Now().Add(s.ed.cfg.AuthTimeout))
	var raw []byte
	for {
		var err error
		raw, err = s.conn.Read(limit)
		if errors.Is(err, wsconn.ErrBinary) {
			s.sendError(wsErr(wsconn.CodeGeneric, errBinary)) // the auth timer keeps running
			continue
		}
		if err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				return closing(wsErr(wsconn.CodeUnauthorized, errMissingAuth))
			}
			return s.readFailed(err)
		}
		break
	}
	if f := s.authenticate(raw); f != nil {
		return f
	}
	alive := func() { _ = ws.SetReadDeadline(time.Now().Add(pongWait)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	s.send(frameAuthenticated)
	if f := s.load(); f != nil {
		return f
	}
	for {
		raw, err := s.conn.Read(limit)
		if errors.Is(err, wsconn.ErrBinary) {
			alive()
			s.sendError(wsErr(wsconn.CodeGeneric, errBinary))
			continue
		}
		if err != nil {
			return s.readFailed(err)
		}
		alive()
		if f := s.handle(raw); f != nil {
			return f
		}
	}
}

// readFailed is the end of a read: an oversized message is answered and
// closed with 1009, anything else means the peer is gone.
func (s *session) readFailed(err error) *final {
	if errors.Is(err, wsconn.ErrTooLarge) {
		return &final{frame: wsErr(wsconn.CodeGeneric, errTooLarge(s.ed.cfg.MaxMessage)),
			close: websocket.CloseMessageTooBig, reason: "message too large"}
	}
	return nil
}

// handle answers one message after authentication.
func (s *session) handle(raw []byte) *final {
	kind, data, fields, e := decodeMessage(raw)
	if e != nil {
		s.sendError(e)
		return nil
	}
	if kind == kindUpdate {
		return s.update(data, fields)
	}
	return nil
}

func (s *session) joinedID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joined
}

// log is the app's logger, with the connection.
func (s *session) log() *slog.Logger {
	return s.ed.app.Logger().With("conn", s.connID, "slideshow", s.param)
}
