package screens

import (
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// Source is where the manager reads keys, screens and content: the app's
// database through playback.Player (the default), or an edge's copy of
// the primary's state (realtime/edge). A Source answers from memory or a
// few queries; the manager bounds how many handshakes ask at once.
type Source interface {
	// KeyBranch is the canonical form of the active key raw names and its
	// branch; apikey.ErrInvalid when raw names no active key.
	KeyBranch(raw string) (key, branch string, err error)
	// Screen is the screen of id, or when id is "" the screen of uid in
	// branch; any error means no such screen.
	Screen(id, uid, branch string) (Row, error)
	// Rows are the current rows of ids; a screen that is gone is absent.
	Rows(ids []string) (map[string]Row, error)
	// Content is what the screens of group in branch play at now, and
	// until when (zero: until a change), as playback.Player.Lookup: the
	// two player errors are schedule.ErrNoGroup and ErrNoDefaultContent.
	Content(group, branch string, now time.Time) (*playback.Content, time.Time, error)
}

// Row is where a screen is.
type Row struct {
	ID, Branch, Group string
}

// dbSource is the app's database, through the player's cache.
type dbSource struct {
	app    core.App
	player *playback.Player
}

func (d dbSource) KeyBranch(raw string) (string, string, error) {
	rec, err := apikey.Resolve(d.app, raw)
	if err != nil {
		return "", "", err
	}
	return rec.GetString("key"), rec.GetString("branch"), nil
}

func (d dbSource) Screen(id, uid, branch string) (Row, error) {
	var rec *core.Record
	var err error
	if id == "" {
		rec, err = d.app.FindFirstRecordByFilter(collections.DisplayWebsites, "uid = {:uid} && branch = {:b}",
			map[string]any{"uid": uid, "b": branch})
	} else if canonical, ok := collections.ParseID(id); ok {
		rec, err = d.app.FindRecordById(collections.DisplayWebsites, canonical)
	} else {
		err = errors.New("not an id")
	}
	if err != nil {
		return Row{}, err
	}
	return Row{ID: rec.Id, Branch: rec.GetString("branch"), Group: rec.GetString("display_website_group")}, nil
}

// Rows reads in chunks.
func (d dbSource) Rows(ids []string) (map[string]Row, error) {
	rows := make(map[string]Row, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := make([]any, 0, chunk)
		for _, id := range ids[start:min(start+chunk, len(ids))] {
			part = append(part, id)
		}
		var found []struct {
			ID     string `db:"id"`
			Branch string `db:"branch"`
			Group  string `db:"display_website_group"`
		}
		err := d.app.ConcurrentDB().Select("id", "branch", "display_website_group").From(collections.DisplayWebsites).
			Where(dbx.In("id", part...)).All(&found)
		if err != nil {
			return nil, err
		}
		for _, r := range found {
			rows[r.ID] = Row{ID: r.ID, Branch: r.Branch, Group: r.Group}
		}
	}
	return rows, nil
}

func (d dbSource) Content(group, branch string, now time.Time) (*playback.Content, time.Time, error) {
	col, err := d.app.FindCachedCollectionByNameOrId(collections.DisplayWebsites)
	if err != nil {
		return nil, time.Time{}, err
	}
	row := core.NewRecord(col) // all a rendering depends on
	row.Set("branch", branch)
	row.Set("display_website_group", group)
	return d.player.Lookup(row, now)
}

// Reload asks for every screen's row and content to be read again (the
// owner of a Source calls it when the source changed); force resends
// unchanged content too (after an outage, when changes may be missed).
func (m *Manager) Reload(force bool) {
	m.reload.Store(true)
	m.Recompute(force)
}

// watchOutages tells the screens of a lost hub (4007); the owner of the
// Source resynchronises when it is back.
func (m *Manager) watchOutages() {
	m.unsub = func() {}
	m.cfg.Hub.OnStatus(func(err error) {
		if err != nil {
			go m.notifyAll(wsconn.Error{Error: msgRedisLost, Code: wsconn.CodeRedis})
		}
	})
}
