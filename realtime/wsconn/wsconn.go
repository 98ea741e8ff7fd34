// Package wsconn is the WebSocket plumbing both realtime protocols share:
// a lean upgrader (a screen idles on a socket for days, so every byte held
// per connection counts), serialised writes with deadlines, a message size
// limit that answers with a JSON error rather than a bare close, and the
// OpenStream error frames {"error": ..., "code": N}.
package wsconn

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/rest"
)

// The OpenStream close codes of both sockets (docs/editors-websocket.md,
// "Close codes"; docs/screens-websocket.md, "Errors and close codes").
const (
	CodeUnauthorized = 4001 // invalid, expired or missing credentials, or not allowed
	CodeNotAuth      = 4002 // the first message was not an authenticate
	CodeNotFound     = 4004 // missing or unknown
	CodeInvalidJSON  = 4005 // a message that is not JSON
	CodeGeneric      = 4006 // anything else
	CodeRedis        = 4007 // the shared hub (Redis) failed; the socket stays open
	CodeConflict     = 4009 // an editor's update based on an older revision; the socket stays open
)

// WriteTimeout bounds every write: a peer that stops reading is dropped
// instead of holding a sender.
const WriteTimeout = 10 * time.Second

// writeBuffers are shared by every connection: a buffer is held only while
// a message is being written, not for the life of the socket.
var writeBuffers = &sync.Pool{}

// NewUpgrader accepts a handshake whose Origin is one of origins, or any
// Origin (and none) when origins is nil. readBuffer is the per-connection
// read buffer: small for screens, which send almost nothing.
func NewUpgrader(origins []string, readBuffer int) *websocket.Upgrader {
	return &websocket.Upgrader{
		ReadBufferSize:  readBuffer,
		WriteBufferSize: 1024,
		WriteBufferPool: writeBuffers,
		CheckOrigin: func(r *http.Request) bool {
			if origins == nil {
				return true
			}
			return slices.Contains(origins, r.Header.Get("Origin"))
		},
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"detail": reason.Error()})
		},
	}
}

// Upgrade takes over the request's connection. The HTTP server's read and
// write timeouts stay on a hijacked connection, so they are cleared: the
// protocols set their own deadlines.
func Upgrade(up *websocket.Upgrader, w http.ResponseWriter, r *http.Request) (*Conn, error) {
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	_ = ws.NetConn().SetDeadline(time.Time{})
	return &Conn{ws: ws}, nil
}

// Conn is a WebSocket whose writes may come from several goroutines.
type Conn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

// WS is the underlying connection, for reading and control handlers.
func (c *Conn) WS() *websocket.Conn { return c.ws }

// WriteJSON sends v as one text message.
func (c *Conn) WriteJSON(v any) error {
	raw, err := rest.Marshal(v)
	if err != nil {
		return err
	}
	return c.WriteText(raw)
}

// WriteText sends raw as one text message.
func (c *Conn) WriteText(raw []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(WriteTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, raw)
}

// WritePrepared sends a message framed once for many connections.
func (c *Conn) WritePrepared(m *websocket.PreparedMessage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(WriteTimeout))
	return c.ws.WritePreparedMessage(m)
}

// Ping sends a ping control frame (safe next to other writes).
func (c *Conn) Ping() error {
	return c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(WriteTimeout))
}

// Error is the error frame of the OpenStream protocols.
type Error struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
	// Detail says which fields were wrong (ours; upstream sent none).
	Detail any `json:"detail,omitempty"`
}

// SendError sends {"error": msg, "code": code} and keeps the socket open.
func (c *Conn) SendError(code int, msg string) error {
	return c.WriteJSON(Error{Error: msg, Code: code})
}

// CloseWith sends the error frame, then closes with code; msg is the
// close reason too (cut to the 123 bytes a close frame can carry).
func (c *Conn) CloseWith(code int, msg string) {
	_ = c.SendError(code, msg)
	c.Close(code, msg)
}

// closeGrace is how long a closing socket waits for the peer's close frame.
// Dropping the connection at once would discard what the peer has not read
// yet (a TCP reset), error frame included.
const closeGrace = time.Second

// Close sends a close frame with code and reason (no error frame) and ends
// the connection once the peer answers, or after closeGrace. A reader
// blocked on the socket sees the peer's close (or the deadline) and
// returns; the connection is dropped either way.
func (c *Conn) Close(code int, reason string) {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
	time.AfterFunc(closeGrace, func() { _ = c.ws.Close() })
}

// Drain reads (and drops) until the peer closes or the grace ends; the
// reader calls it after Close when nobody else reads the socket.
func (c *Conn) Drain() {
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// ErrTooLarge is a message over the reader's limit.
var ErrTooLarge = errors.New("message too large")

// ErrBinary is a binary message; both protocols speak JSON text.
var ErrBinary = errors.New("binary messages are not accepted")

// Read returns the next text message of at most limit bytes. Over the
// limit it stops reading and returns ErrTooLarge (the caller answers and
// closes); a binary message is ErrBinary; other errors are the socket's.
func (c *Conn) Read(limit int64) ([]byte, error) {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	buf := readBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRead {
			buf.Reset()
			readBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, ErrTooLarge
	}
	if kind != websocket.TextMessage {
		return nil, ErrBinary
	}
	// A copy of its own size: ten thousand acks of a fan-out each took
	// the 512 bytes a fresh read starts with.
	return bytes.Clone(buf.Bytes()), nil
}

// readBuffers hold messages while they are read; maxPooledRead bounds what
// a pooled buffer may keep (an editor's slideshow may be megabytes).
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledRead = 64 << 10
