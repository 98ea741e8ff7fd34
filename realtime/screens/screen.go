package screens

import (
	"errors"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/realtime/wsconn"
)

// screen is one authenticated socket. What it should receive next is kept
// in slots rather than a queue: only the newest content matters, so a slow
// screen never accumulates a backlog.
type screen struct {
	conn *wsconn.Conn
	id   string // the display website's id
	key  string // the API key it authenticated with

	mu      sync.Mutex
	branch  string // the screen's row as last read (see Manager.reloadRows)
	group   string
	version string // of the newest content handed to it (sent or pending)
	content *websocket.PreparedMessage
	size    int       // of content's text
	cause   time.Time // commit of the change that made content (zero: none known)
	// The last content frames written, oldest first: held in the screen
	// itself, not in an allocation of its own made during a fan-out among
	// its garbage (where it kept half-empty spans from being released).
	written  [keepWritten]sent
	nwritten int
	acks     bucket // the acks it may still send
	notices  [][]byte
	closing  *wsconn.Error // a close to send after the pending frames
	queued   bool
	closed   bool
}

var errClosed = errors.New("screen closed")

// sent is a content frame written to the screen: 32 bytes, kept
// keepWritten times by every screen for as long as it is connected.
type sent struct {
	version string
	at      int64 // Unix nanoseconds
	acked   bool
}

// keepWritten is how many written versions an ack may name: an ack of an
// older one may still be on its way when the next content is written.
const keepWritten = 4

// offer makes msg (of version) the next content unless the screen already
// has that version; it reports whether the screen must be queued. cause
// is the commit instant of the change that led to it (zero: none).
func (s *screen) offer(version string, msg *websocket.PreparedMessage, size int, force bool, cause time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing != nil || (!force && version == s.version) {
		return false
	}
	s.version, s.content, s.size = version, msg, size
	if s.cause.IsZero() || (!cause.IsZero() && cause.Before(s.cause)) {
		s.cause = cause
	}
	return true
}

// wrote records that a content frame of version is written at at (the
// caller holds mu). It is recorded before the write: the screen's ack may
// be read before the writer returns.
func (s *screen) wrote(version string, at time.Time) {
	if s.nwritten == keepWritten {
		copy(s.written[:], s.written[1:])
		s.nwritten--
	}
	s.written[s.nwritten] = sent{version: version, at: at.UnixNano()}
	s.nwritten++
}

// ack marks the newest written frame of version acknowledged. known is
// false when no frame of that version was written to this socket; first
// tells whether this ack is that frame's first, and since how long it was
// written.
func (s *screen) ack(version string, now time.Time) (known, first bool, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := s.nwritten - 1; i >= 0; i-- {
		w := &s.written[i]
		if w.version != version {
			continue
		}
		if w.acked {
			return true, false, 0
		}
		w.acked = true
		return true, true, time.Duration(now.UnixNano() - w.at)
	}
	return false, false, 0
}

// unacknowledged reports whether the newest content written is not
// acknowledged yet.
func (s *screen) unacknowledged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nwritten > 0 && !s.written[s.nwritten-1].acked
}

// bucket is a token bucket: burst acks at once, then one per refill.
type bucket struct {
	tokens float64
	last   time.Time
}

const (
	ackBurst  = 10
	ackRefill = time.Second
)

// allowAck takes one ack from the socket's allowance at now.
func (s *screen) allowAck(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &s.acks
	if b.last.IsZero() {
		b.tokens, b.last = ackBurst, now
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(ackBurst, b.tokens+float64(d)/float64(ackRefill))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (s *screen) queueNotice(raw []byte) {
	s.mu.Lock()
	if !s.closed && len(s.notices) < 8 {
		s.notices = append(s.notices, raw)
	}
	s.mu.Unlock()
}

// closeWith schedules an error frame and a close with its code; it reports
// whether that is news.
func (s *screen) closeWith(code int, msg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing != nil {
		return false
	}
	s.closing = &wsconn.Error{Error: msg, Code: code}
	return true
}

// markQueued reports whether the screen was not queued yet (and now is).
func (s *screen) markQueued() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queued || s.closed {
		return false
	}
	s.queued = true
	return true
}

// frame is the content frame a flush wrote (size 0: none).
type frame struct {
	size    int
	version string
	cause   time.Time
}

// flush writes the pending notices, content and close, in that order;
// out is the content frame written. The screen stays queued while the
// frames are written, so no other sender takes it meanwhile and writes
// what came later before them (a newer content before an older one, a
// content before the error frames that came first); more reports that
// something came meanwhile, for the same sender to flush again.
func (s *screen) flush() (out frame, more bool, err error) {
	s.mu.Lock()
	notices, content, closing := s.notices, s.content, s.closing
	pending := frame{size: s.size, version: s.version, cause: s.cause}
	s.notices, s.content, s.cause = nil, nil, time.Time{}
	if s.closed {
		s.queued = false
		s.mu.Unlock()
		return frame{}, false, errClosed
	}
	if closing != nil {
		s.closed = true
	} else if content != nil {
		s.wrote(pending.version, time.Now())
	}
	s.mu.Unlock()
	if err := s.write(notices, content, closing); err != nil {
		s.mu.Lock()
		s.queued = false
		s.mu.Unlock()
		return frame{}, false, err
	}
	if content != nil && closing == nil {
		out = pending
	}
	s.mu.Lock()
	more = !s.closed && (s.content != nil || len(s.notices) > 0 || s.closing != nil)
	s.queued = more
	s.mu.Unlock()
	return out, more, nil
}

// write sends what flush took, in its order.
func (s *screen) write(notices [][]byte, content *websocket.PreparedMessage, closing *wsconn.Error) error {
	for _, n := range notices {
		if err := s.conn.WriteText(n); err != nil {
			return err
		}
	}
	if content != nil && closing == nil {
		if err := s.conn.WritePrepared(content); err != nil {
			return err
		}
	}
	if closing != nil {
		s.conn.CloseWith(closing.Code, closing.Error)
	}
	return nil
}

// where is the screen's branch and group.
func (s *screen) where() (branch, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.branch, s.group
}

// markClosed stops further sends (the reader saw the socket end).
func (s *screen) markClosed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}
