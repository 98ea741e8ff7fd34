package screens

import (
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/schedule"
)

// Serve upgrades GET /ws/screens/. The handshake (the first message, the
// key and screen lookups, the first content) runs on a goroutine of its
// own; the socket is then read by a fresh goroutine, so an idle screen
// holds a small stack rather than one grown by the database work.
func (m *Manager) Serve(e *core.RequestEvent) error {
	conn, err := wsconn.Upgrade(m.up, e.Response, e.Request)
	if err != nil {
		return nil // the upgrader has answered (400/403)
	}
	if !m.handshakeStarted(conn) {
		conn.Close(websocket.CloseGoingAway, msgShuttingDown)
		return nil
	}
	go m.handshake(conn)
	return nil
}

func (m *Manager) handshake(conn *wsconn.Conn) {
	s, perr := m.authenticate(conn)
	m.handshakeEnded(conn)
	if perr != nil {
		if perr.code != 0 {
			conn.CloseWith(perr.code, perr.msg)
			conn.Drain()
		}
		_ = conn.WS().Close()
		m.conns.Done()
		return
	}
	if err := conn.WriteJSON(map[string]string{"type": "authenticated"}); err != nil || !m.add(s) {
		conn.Close(websocket.CloseGoingAway, msgShuttingDown)
		_ = conn.WS().Close()
		m.conns.Done()
		return
	}
	branch, _ := s.where() // authenticate resolved the key to this branch
	m.dbSlots <- struct{}{}
	m.refresh(s, m.cfg.Now(), true, map[string]string{s.key: branch})
	<-m.dbSlots
	go func() {
		defer m.conns.Done()
		defer conn.WS().Close()
		defer func() { s.markClosed(); m.remove(s) }()
		m.read(s)
	}()
}

// authenticate reads and checks the first message within AuthTimeout.
func (m *Manager) authenticate(conn *wsconn.Conn) (*screen, *protocolError) {
	ws := conn.WS()
	_ = ws.SetReadDeadline(time.Now().Add(m.cfg.AuthTimeout))
	raw, err := conn.Read(m.cfg.MaxMessage)
	switch {
	case errors.Is(err, wsconn.ErrTooLarge), errors.Is(err, wsconn.ErrBinary):
		return nil, fail(wsconn.CodeGeneric, msgFor(err))
	case isTimeout(err):
		return nil, fail(wsconn.CodeUnauthorized, msgMissingAuth)
	case err != nil:
		return nil, &protocolError{} // the peer went away: nothing to answer
	}
	h, perr := decodeHello(raw)
	if perr != nil {
		return nil, perr
	}
	// A reconnect storm must not open a database connection (and its
	// page cache) per screen: a few lookups at a time are plenty.
	m.dbSlots <- struct{}{}
	defer func() { <-m.dbSlots }()
	key, branch, err := m.cfg.Source.KeyBranch(h.APIKey)
	if err != nil {
		return nil, fail(wsconn.CodeUnauthorized, apikey.ErrInvalid.Error())
	}
	rec, err := m.cfg.Source.Screen(h.ScreenID, h.UID, branch)
	if err != nil {
		return nil, fail(wsconn.CodeNotFound, msgNoScreen)
	}
	if rec.Branch != branch {
		return nil, fail(wsconn.CodeUnauthorized, apikey.ErrWrongBranch.Error())
	}
	if rec.Group == "" {
		return nil, fail(wsconn.CodeNotFound, schedule.ErrNoGroup.Error())
	}
	_ = ws.SetReadDeadline(time.Time{})
	return &screen{conn: conn, id: rec.ID, key: key, branch: rec.Branch, group: rec.Group}, nil
}

// read handles what an authenticated screen sends until the socket ends.
// Pongs (and pings) are its heartbeat; silence for two and a half ping
// intervals drops it.
func (m *Manager) read(s *screen) {
	ws := s.conn.WS()
	idle := m.cfg.PingInterval * 5 / 2
	alive := func() {
		_ = ws.SetReadDeadline(time.Now().Add(idle))
		if err := m.cfg.Health.SeenLater(s.id, m.cfg.Now(), nil); err != nil {
			m.app.Logger().Warn("screen health", "screen", s.id, "error", err)
		}
	}
	_ = ws.SetReadDeadline(time.Now().Add(idle))
	ws.SetPongHandler(func(string) error { alive(); return nil })
	ws.SetPingHandler(func(data string) error {
		alive()
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(wsconn.WriteTimeout))
	})
	for {
		raw, err := s.conn.Read(m.cfg.MaxMessage)
		switch {
		case errors.Is(err, wsconn.ErrTooLarge):
			if s.closeWith(wsconn.CodeGeneric, msgFor(err)) {
				m.enqueue(s)
			}
			s.conn.Drain() // until the peer answers the close
			return
		case errors.Is(err, wsconn.ErrBinary):
			s.queueNotice(errorFrame(wsconn.CodeGeneric, msgFor(err)))
			m.enqueue(s)
			continue
		case err != nil:
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(idle))
		var msg later
		var perr *protocolError
		if v, ok := quickAck(raw); ok {
			msg.ack = v
		} else {
			msg, perr = decodeLater(raw)
		}
		if perr == nil && msg.ack != "" {
			perr = m.acked(s, msg.ack)
		}
		if perr != nil {
			s.queueNotice(errorFrame(perr.code, perr.msg))
			m.enqueue(s)
			continue
		}
		if msg.resend {
			m.refresh(s, m.cfg.Now(), true, map[string]string{})
		}
	}
}

// acked handles {"type":"ack","version":v}: within the socket's rate, of
// a version written to this socket. Only the first ack of a frame is
// recorded; a refused one changes nothing.
func (m *Manager) acked(s *screen, version string) *protocolError {
	now := m.cfg.Now()
	if !s.allowAck(now) {
		return &protocolError{code: codeTooMany, msg: msgTooManyAcks}
	}
	known, first, latency := s.ack(version, time.Now())
	if !known {
		return &protocolError{code: wsconn.CodeNotFound, msg: msgUnknownVer}
	}
	if first {
		m.cfg.Delivery.Acked(s.id, version, now)
		m.observe(func(o Observer) { o.Acked(latency) })
	}
	return nil
}

func msgFor(err error) string {
	if errors.Is(err, wsconn.ErrTooLarge) {
		return msgTooLarge
	}
	return err.Error()
}

func errorFrame(code int, msg string) []byte {
	raw, _ := rest.Marshal(wsconn.Error{Error: msg, Code: code})
	return raw
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
