package playback

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
)

// DefaultOnlineWindow is how recently a screen must have been seen to count
// as online. The player fetches its content at start and reloads every 30
// minutes, so anything shorter would show idle players offline.
const DefaultOnlineWindow = 35 * time.Minute

// healthEvery is the most often a screen's last_seen is written while what
// it plays stays the same: a busy player must not cost a write per request.
const healthEvery = 10 * time.Second

// Health records when screens were last seen and what they were given.
// Writes go straight to the table, bypassing record hooks on purpose: a
// heartbeat is not an edit and must not invalidate the content cache.
type Health struct {
	app    core.App
	window time.Duration

	mu      sync.Mutex
	last    map[string]seen
	pending map[string]dbx.Params // SeenLater's writes, until Flush
	send    func(Sightings) error // set: Flush hands the writes over (NewRemoteHealth)
}

type seen struct {
	at      time.Time
	version string
}

// LastContent is what a screen was last given (the last_content field).
type LastContent struct {
	Version         string   `json:"version"`
	GroupID         string   `json:"display_website_group_id,omitempty"`
	SlideshowIDs    []string `json:"slideshow_ids"`
	PlaylistIDs     []string `json:"slideshow_playlist_ids"`
	EmergencyActive bool     `json:"emergency_active"`
}

// NewHealth returns a recorder; window <= 0 means DefaultOnlineWindow.
func NewHealth(app core.App, window time.Duration) *Health {
	if window <= 0 {
		window = DefaultOnlineWindow
	}
	return &Health{app: app, window: window, last: map[string]seen{}, pending: map[string]dbx.Params{}}
}

// Seen records that screenID was seen at at and given c (nil: a heartbeat
// or a registration check that gave no content). It writes at most every
// healthEvery unless the content changed. A nil Health (an edge, which has
// no database) records nothing.
func (h *Health) Seen(screenID string, at time.Time, c *Content) error {
	if h == nil {
		return nil
	}
	if h.send != nil {
		return h.SeenLater(screenID, at, c)
	}
	cols, err := h.columns(screenID, at, c)
	if cols == nil || err != nil {
		return err
	}
	h.mu.Lock()
	if prev, ok := h.pending[screenID]; ok { // this write is newer than the kept one
		if _, has := cols["last_content"]; !has && prev["last_content"] != nil {
			cols["last_content"] = prev["last_content"]
		}
		delete(h.pending, screenID)
	}
	h.mu.Unlock()
	_, err = h.app.NonconcurrentDB().Update(collections.DisplayWebsites, cols, dbx.HashExp{"id": screenID}).Execute()
	return err
}

// SeenLater is Seen with the write kept until the next Flush, so that the
// heartbeats and deliveries of thousands of sockets cost one transaction.
func (h *Health) SeenLater(screenID string, at time.Time, c *Content) error {
	if h == nil {
		return nil
	}
	cols, err := h.columns(screenID, at, c)
	if cols == nil || err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if prev, ok := h.pending[screenID]; ok {
		if _, has := cols["last_content"]; !has && prev["last_content"] != nil {
			cols["last_content"] = prev["last_content"]
		}
	}
	h.pending[screenID] = cols
	return nil
}

// Take hands over what SeenLater kept, for the caller to write with its
// own columns of the same rows (delivery.Store.Flush); nil for a remote
// Health, whose Flush sends them.
func (h *Health) Take() Sightings {
	if h == nil || h.send != nil {
		return nil
	}
	return h.take()
}

// Flush writes what SeenLater kept, in one transaction.
func (h *Health) Flush() error {
	if h == nil {
		return nil
	}
	pending := h.take()
	if pending == nil {
		return nil
	}
	if h.send != nil {
		return h.send(pending)
	}
	return WriteHealth(h.app, pending)
}

// take empties pending and returns what it held (nil: nothing).
func (h *Health) take() Sightings {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) == 0 {
		return nil
	}
	pending := h.pending
	h.pending = map[string]dbx.Params{}
	return pending
}

// columns are the fields to write for a sighting, or nil when the last
// write is recent enough and the content unchanged.
func (h *Health) columns(screenID string, at time.Time, c *Content) (dbx.Params, error) {
	version := ""
	if c != nil {
		version = c.Version
	}
	h.mu.Lock()
	prev, ok := h.last[screenID]
	if ok && at.Sub(prev.at) < healthEvery && (c == nil || prev.version == version) {
		h.mu.Unlock()
		return nil, nil
	}
	if c == nil {
		version = prev.version
	}
	h.last[screenID] = seen{at: at, version: version}
	h.mu.Unlock()

	dt, err := types.ParseDateTime(at)
	if err != nil {
		return nil, err
	}
	cols := dbx.Params{"last_seen": dt.String()}
	if c != nil {
		raw, err := c.lastContentRecord()
		if err != nil {
			return nil, err
		}
		cols["last_content"] = raw
	}
	return cols, nil
}

// Online reports whether a screen last seen at lastSeen counts as online at now.
func (h *Health) Online(lastSeen types.DateTime, now time.Time) bool {
	return !lastSeen.IsZero() && now.Sub(lastSeen.Time()) <= h.window
}

// Window is the online window.
func (h *Health) Window() time.Duration { return h.window }

// lastContentRecord is c as the last_content field stores it, encoded once.
func (c *Content) lastContentRecord() (string, error) {
	c.lastContent.Do(func() {
		raw, err := json.Marshal(LastContent{
			Version: c.Version, GroupID: c.GroupID, SlideshowIDs: c.Result.SlideshowIDs,
			PlaylistIDs: c.Result.PlaylistIDs, EmergencyActive: c.Result.EmergencyActive,
		})
		c.lastContentJSON, c.lastContentErr = string(raw), err
	})
	return c.lastContentJSON, c.lastContentErr
}
