package screens

import (
	"errors"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/schedule"
)

// pass is one recompute: the screens' rows, keys and contents as they are
// now. Content messages are framed once per version and shared.
type pass struct {
	m        *Manager
	now      time.Time
	force    bool
	rows     map[string]*core.Record // screen id -> row (nil: deleted)
	branches map[string]string       // api key -> its branch ("" when invalid)
	messages map[string]*websocket.PreparedMessage
	earliest time.Time
}

func (m *Manager) newPass(now time.Time, force bool) *pass {
	return &pass{m: m, now: now, force: force, rows: map[string]*core.Record{}, branches: map[string]string{},
		messages: map[string]*websocket.PreparedMessage{}}
}

// recomputeAll brings every screen up to date and sets the timer for the
// next schedule boundary.
func (m *Manager) recomputeAll(force bool) {
	all := m.snapshot()
	p := m.newPass(m.cfg.Now(), force)
	if err := p.loadRows(all); err != nil {
		m.app.Logger().Error("realtime: screens not recomputed", "error", err)
		return
	}
	for _, s := range all {
		p.update(s)
	}
	m.setWake(p.earliest)
}

// refresh brings one screen up to date (a new socket, or a resend).
func (m *Manager) refresh(s *screen, now time.Time, force bool) {
	p := m.newPass(now, force)
	if err := p.loadRows([]*screen{s}); err != nil {
		m.app.Logger().Error("realtime: screen not refreshed", "screen", s.id, "error", err)
		return
	}
	p.update(s)
	m.wakeBy(p.earliest)
}

// loadRows reads the screens' rows in chunks (ids, branch and group are
// all the content depends on).
func (p *pass) loadRows(screens []*screen) error {
	ids := make([]any, 0, len(screens))
	for _, s := range screens {
		p.rows[s.id] = nil
		ids = append(ids, s.id)
	}
	col, err := p.m.app.FindCachedCollectionByNameOrId(collections.DisplayWebsites)
	if err != nil {
		return err
	}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		var rows []struct {
			ID     string `db:"id"`
			Branch string `db:"branch"`
			Group  string `db:"display_website_group"`
		}
		err := p.m.app.ConcurrentDB().Select("id", "branch", "display_website_group").From(collections.DisplayWebsites).
			Where(dbx.In("id", ids[start:min(start+chunk, len(ids))]...)).All(&rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			rec := core.NewRecord(col)
			rec.Id = r.ID
			rec.Set("branch", r.Branch)
			rec.Set("display_website_group", r.Group)
			p.rows[r.ID] = rec
		}
	}
	return nil
}

// keyBranch is the branch of an active key ("" when the key is gone or off).
func (p *pass) keyBranch(key string) string {
	if b, ok := p.branches[key]; ok {
		return b
	}
	b := ""
	if rec, err := apikey.Resolve(p.m.app, key); err == nil {
		b = rec.GetString("branch")
	}
	p.branches[key] = b
	return b
}

// update checks the screen's credentials and offers it its content; the
// screen is queued for its sender only when there is something to send.
func (p *pass) update(s *screen) {
	row := p.rows[s.id]
	branch := p.keyBranch(s.key)
	var send bool
	switch {
	case row == nil:
		send = s.closeWith(wsconn.CodeNotFound, msgNoScreen)
	case branch == "":
		send = s.closeWith(wsconn.CodeUnauthorized, msgKeyInvalid)
	case branch != row.GetString("branch"):
		send = s.closeWith(wsconn.CodeUnauthorized, msgKeyElsewhere)
	default:
		send = p.offerContent(s, row)
	}
	if send {
		p.m.enqueue(s)
	}
}

func (p *pass) offerContent(s *screen, row *core.Record) bool {
	content, until, err := p.m.cfg.Player.Lookup(row, p.now)
	if !until.IsZero() && (p.earliest.IsZero() || until.Before(p.earliest)) {
		p.earliest = until
	}
	var version string
	var body []byte
	switch {
	case errors.Is(err, schedule.ErrNoGroup):
		return s.closeWith(wsconn.CodeNotFound, msgNoGroup)
	case errors.Is(err, schedule.ErrNoDefaultContent):
		version = "none"
	case err != nil:
		p.m.app.Logger().Error("realtime: screen content", "screen", s.id, "error", err)
		return false
	default:
		version, body = content.Version, content.JSON
	}
	msg, ok := p.messages[version]
	if !ok {
		if msg, err = websocket.NewPreparedMessage(websocket.TextMessage, contentMessage(version, body)); err != nil {
			p.m.app.Logger().Error("realtime: screen message", "error", err)
			return false
		}
		p.messages[version] = msg
	}
	if !s.offer(version, msg, p.force) {
		return false
	}
	if herr := p.m.cfg.Health.SeenLater(s.id, p.now, content); herr != nil {
		p.m.app.Logger().Warn("screen health", "screen", s.id, "error", herr)
	}
	return true
}
