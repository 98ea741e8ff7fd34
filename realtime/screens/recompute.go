package screens

import (
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/schedule"
)

// rendering is what every screen of one group and branch is given.
type rendering struct {
	version string
	msg     *websocket.PreparedMessage
	size    int               // of msg's text
	content *playback.Content // nil while there is nothing to play
	until   time.Time
	noGroup bool
	err     error
}

// recomputeAll brings every screen up to date: its row when reload is set,
// then one rendering per group (in parallel) offered to the group's
// screens. It sets the timer for the next schedule boundary.
func (m *Manager) recomputeAll(force, reload bool, cause time.Time) {
	all := m.snapshot()
	if reload {
		if err := m.reloadRows(all); err != nil {
			m.app.Logger().Error("realtime: screens not recomputed", "error", err)
			return
		}
	}
	now := m.cfg.Now()
	wake := m.setWake
	if m.cfg.Expire != nil {
		next, err := m.cfg.Expire(now)
		if err != nil {
			m.app.Logger().Error("realtime: expiry not done; retried at the next change", "error", err)
		}
		wake = func(t time.Time) { m.setWake(earliest(t, next)) }
	}
	m.deliver(all, now, force, cause, wake, map[string]string{})
}

// earliest is the earlier of two instants, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// refresh brings one screen up to date (a new socket, or a resend).
// keys are api keys already resolved to their branch (the handshake's).
func (m *Manager) refresh(s *screen, now time.Time, force bool, keys map[string]string) {
	m.deliver([]*screen{s}, now, force, time.Time{}, m.wakeBy, keys)
}

// deliver offers screens their content; keys (api key -> its branch, ""
// when invalid) is filled with the keys it resolves. cause is the commit
// of the change that led here (zero: a timer, a new socket, a resend).
func (m *Manager) deliver(screens []*screen, now time.Time, force bool, cause time.Time, wake func(time.Time), keys map[string]string) {
	renderings := m.render(screens, now)
	var earliest time.Time
	ready := make([]*screen, 0, len(screens))
	for _, s := range screens {
		branch, group := s.where()
		if _, ok := keys[s.key]; !ok {
			keys[s.key] = m.keyBranch(s.key)
		}
		// nil for a screen whose row is gone: render skips those, and
		// the first case below closes them.
		r := renderings[group+"/"+branch]
		if r != nil && !r.until.IsZero() && (earliest.IsZero() || r.until.Before(earliest)) {
			earliest = r.until
		}
		var send bool
		switch {
		case branch == "":
			send = s.closeWith(wsconn.CodeNotFound, msgNoScreen)
		case keys[s.key] == "":
			send = s.closeWith(wsconn.CodeUnauthorized, apikey.ErrInvalid.Error())
		case keys[s.key] != branch:
			send = s.closeWith(wsconn.CodeUnauthorized, apikey.ErrWrongBranch.Error())
		case r.noGroup:
			send = s.closeWith(wsconn.CodeNotFound, schedule.ErrNoGroup.Error())
		case r.err != nil:
			m.app.Logger().Error("realtime: screen content", "screen", s.id, "error", r.err)
		default:
			if send = s.offer(r.version, r.msg, r.size, force, cause); send {
				if err := m.cfg.Health.SeenLater(s.id, now, r.content); err != nil {
					m.app.Logger().Warn("screen health", "screen", s.id, "error", err)
				}
			}
		}
		if send {
			ready = append(ready, s)
		}
	}
	m.enqueue(ready...)
	wake(earliest)
}

// render works out each distinct group's content, a few at a time.
func (m *Manager) render(screens []*screen, now time.Time) map[string]*rendering {
	out := map[string]*rendering{}
	var todo []Row
	for _, s := range screens {
		branch, group := s.where()
		key := group + "/" + branch
		if _, ok := out[key]; ok || branch == "" {
			continue
		}
		out[key] = &rendering{}
		todo = append(todo, Row{Branch: branch, Group: group})
	}
	work := make(chan Row)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range work {
				m.renderOne(out[row.Group+"/"+row.Branch], row, now)
			}
		}()
	}
	for _, row := range todo {
		work <- row
	}
	close(work)
	wg.Wait()
	return out
}

func (m *Manager) renderOne(r *rendering, row Row, now time.Time) {
	content, until, err := m.cfg.Source.Content(row.Group, row.Branch, now)
	r.until = until
	var body []byte
	switch {
	case errors.Is(err, schedule.ErrNoGroup):
		r.noGroup = true
		return
	case errors.Is(err, schedule.ErrNoDefaultContent):
		r.version = "none"
	case err != nil:
		r.err = err
		return
	default:
		r.version, body, r.content = content.Version, content.JSON, content
	}
	text := contentMessage(r.version, body)
	r.size = len(text)
	r.msg, r.err = websocket.NewPreparedMessage(websocket.TextMessage, text)
}

// keyBranch is the branch of an active key ("" when the key is gone or off).
func (m *Manager) keyBranch(key string) string {
	_, branch, err := m.cfg.Source.KeyBranch(key)
	if err != nil {
		return ""
	}
	return branch
}

// reloadRows rereads the screens' branch and group; a screen whose row is
// gone gets an empty branch (and is closed by deliver).
func (m *Manager) reloadRows(screens []*screen) error {
	ids := make([]string, 0, len(screens))
	for _, s := range screens {
		ids = append(ids, s.id)
	}
	rows, err := m.cfg.Source.Rows(ids)
	if err != nil {
		return err
	}
	for _, s := range screens {
		row := rows[s.id]
		s.mu.Lock()
		s.branch, s.group = row.Branch, row.Group
		s.mu.Unlock()
	}
	return nil
}
