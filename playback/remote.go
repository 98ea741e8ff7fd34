package playback

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// Sightings are the health columns to write, by screen id (last_seen, and
// last_content when the screen was given content).
type Sightings map[string]dbx.Params

// NewRemoteHealth records sightings where there is no database (an edge):
// Flush hands them to send, which passes them on to the primary, whose
// WriteHealth stores them.
func NewRemoteHealth(window time.Duration, send func(Sightings) error) *Health {
	h := NewHealth(nil, window)
	h.send = send
	return h
}

// WriteHealth stores sightings in one transaction, bypassing record hooks
// (a heartbeat is not an edit).
func WriteHealth(app core.App, rows Sightings) error {
	if len(rows) == 0 {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		return UpdateRows(tx, collections.DisplayWebsites, rows)
	})
}

// Rendered is content rendered elsewhere (by the primary, for an edge):
// its body, version, group and last_content value as LastContentJSON gave.
func Rendered(body []byte, version, groupID, lastContent string) *Content {
	c := &Content{JSON: body, Version: version, GroupID: groupID}
	c.lastContent.Do(func() { c.lastContentJSON = lastContent })
	return c
}

// LastContentJSON is c as the last_content field stores it.
func (c *Content) LastContentJSON() (string, error) { return c.lastContentRecord() }
