package screens

import (
	"errors"
	"sync"

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
	size    int // of content's text
	notices [][]byte
	closing *wsconn.Error // a close to send after the pending frames
	queued  bool
	closed  bool
}

var errClosed = errors.New("screen closed")

// offer makes msg (of version) the next content unless the screen already
// has that version; it reports whether the screen must be queued.
func (s *screen) offer(version string, msg *websocket.PreparedMessage, size int, force bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing != nil || (!force && version == s.version) {
		return false
	}
	s.version, s.content, s.size = version, msg, size
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

// flush writes the pending notices, content and close, in that order;
// sent is the size of the content frame written (0: none).
func (s *screen) flush() (sent int, err error) {
	s.mu.Lock()
	notices, content, size, closing := s.notices, s.content, s.size, s.closing
	s.notices, s.content, s.queued = nil, nil, false
	if s.closed {
		s.mu.Unlock()
		return 0, errClosed
	}
	if closing != nil {
		s.closed = true
	}
	s.mu.Unlock()
	for _, n := range notices {
		if err := s.conn.WriteText(n); err != nil {
			return 0, err
		}
	}
	if content != nil && closing == nil {
		if err := s.conn.WritePrepared(content); err != nil {
			return 0, err
		}
		sent = size
	}
	if closing != nil {
		s.conn.CloseWith(closing.Code, closing.Error)
	}
	return sent, nil
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
