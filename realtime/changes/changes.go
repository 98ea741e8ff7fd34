// Package changes turns committed record changes into realtime events: one
// Change per create, update or delete of a collection that can alter what
// a screen plays, published on the hub so every instance hears it. A Change
// also carries the frontend's live notices (docs/api.md, "Live events"), the
// payload of the custom-event stream.
package changes

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/hub"
)

// Topic is the hub topic changes travel on.
const Topic = "changes"

// Actions of a Change.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
)

// Change is one committed change.
type Change struct {
	Collection string   `json:"collection"`
	Action     string   `json:"action"`
	ID         string   `json:"id"`
	Notices    []Notice `json:"notices,omitempty"`
	// At is the commit's instant in Unix milliseconds (0: unknown), the
	// start of the push latency the screens' manager measures.
	At int64 `json:"at,omitempty"`
}

// Notice is the data of one custom-event. Every value is a string, as
// upstream's values came from a query string and the frontend compares
// them with String()/Number().
type Notice struct {
	Model                 string   `json:"model"`
	ID                    string   `json:"id"`
	SlideshowID           string   `json:"slideshowId,omitempty"`
	GroupIDs              []string `json:"groupIds,omitempty"`
	BranchID              string   `json:"branchId,omitempty"`
	DisplayWebsiteGroupID string   `json:"displayWebsiteGroupId,omitempty"`
}

// Collections are those whose changes are published: everything the
// player's content depends on, and the branch keys screens authenticate with.
var Collections = append(slices.Clone(playback.Watched), collections.BranchAPIKeys)

// Watch publishes every committed change of Collections in app on h. A
// publish that cannot reach the other instances is logged; they
// resynchronise when the link is back.
func Watch(app core.App, h hub.Hub) {
	stored := &storedValues{pending: map[*core.Record][][]string{}}
	publish := func(action string) func(*core.ModelEvent) error {
		return func(e *core.ModelEvent) error {
			r, ok := e.Model.(*core.Record)
			if !ok {
				return e.Next()
			}
			var before []string
			if action == Update {
				before = stored.pop(r)
			}
			c := Change{Collection: r.Collection().Name, Action: action, ID: r.Id, Notices: noticesOf(action, r, before),
				At: time.Now().UnixMilli()}
			payload, err := json.Marshal(c)
			if err == nil {
				err = h.Publish(context.Background(), Topic, payload)
			}
			if err != nil {
				unpublished.report(app, c, err)
			}
			return e.Next()
		}
	}
	// An update's notices also go to the group (or playlist) the record
	// leaves. record.Original() cannot tell which: it is the state the
	// object was loaded with, and a blank record for one created with
	// NewRecord and saved again. So the stored value is read just before
	// the write (first of the update hooks, inside its transaction) and
	// handed to the after-success hook of the same save.
	app.OnModelUpdate(diffCollections()...).Bind(&hook.Handler[*core.ModelEvent]{
		Id:       "openstreamChangesStoredValues",
		Priority: -1000,
		Func: func(e *core.ModelEvent) error {
			if r, ok := e.Model.(*core.Record); ok {
				stored.push(r, storedRelation(e.App, r))
			}
			return e.Next()
		},
	})
	app.OnModelAfterUpdateError(diffCollections()...).BindFunc(func(e *core.ModelErrorEvent) error {
		if r, ok := e.Model.(*core.Record); ok {
			stored.pop(r)
		}
		return e.Next()
	})
	app.OnModelAfterCreateSuccess(Collections...).BindFunc(publish(Create))
	app.OnModelAfterUpdateSuccess(Collections...).BindFunc(publish(Update))
	app.OnModelAfterDeleteSuccess(Collections...).BindFunc(publish(Delete))
}

// diffFields are the relation fields whose previous values an update
// notifies too, by collection.
var diffFields = map[string]string{
	collections.PlaylistItems:              "slideshow_playlist",
	collections.ScheduledContents:          "display_website_group",
	collections.RecurringScheduledContents: "display_website_group",
	collections.EmergencySlideshows:        "display_website_groups",
}

func diffCollections() []string {
	out := make([]string, 0, len(diffFields))
	for name := range diffFields {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// storedRelation is r's diff field as stored now (nil when r is not stored).
func storedRelation(app core.App, r *core.Record) []string {
	id, _ := r.LastSavedPK().(string)
	if id == "" {
		id = r.Id
	}
	old, err := app.FindRecordById(r.Collection(), id)
	if err != nil {
		return nil
	}
	return old.GetStringSlice(diffFields[r.Collection().Name])
}

// storedValues carries the stored values read before an update to the
// hooks that run after it. Keyed by record: the same object saved twice
// in one transaction has two entries, taken in save order (PocketBase runs
// the after hooks of a transaction in that order).
type storedValues struct {
	mu      sync.Mutex
	pending map[*core.Record][][]string
}

func (s *storedValues) push(r *core.Record, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[r] = append(s.pending[r], ids)
}

func (s *storedValues) pop(r *core.Record) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.pending[r]
	if !ok {
		return nil
	}
	if len(q) <= 1 {
		delete(s.pending, r)
	} else {
		s.pending[r] = q[1:]
	}
	if len(q) == 0 {
		return nil
	}
	return q[0]
}

// unpublished logs changes the other instances did not get, at most once
// every logEvery with the count since: during a long Redis outage an
// import would otherwise write a warning per record.
var unpublished failureLog

const logEvery = 10 * time.Second

type failureLog struct {
	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (l *failureLog) report(app core.App, c Change, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.last) < logEvery {
		l.skipped++
		return
	}
	app.Logger().Warn("realtime: change not published", "collection", c.Collection, "id", c.ID, "error", err,
		"alsoUnpublishedSinceLastWarning", l.skipped)
	l.last, l.skipped = time.Now(), 0
}

// Decode reads a Change from a hub payload.
func Decode(payload []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(payload, &c); err != nil {
		return Change{}, err
	}
	if c.Collection == "" || c.ID == "" {
		return Change{}, errors.New("changes: collection and id are required")
	}
	return c, nil
}

// Upstream's model class names, the "model" of a notice.
var modelNames = map[string]string{
	collections.Slideshows:                 "Slideshow",
	collections.Playlists:                  "SlideshowPlaylist",
	collections.DisplayWebsiteGroups:       "DisplayWebsiteGroup",
	collections.DisplayWebsites:            "DisplayWebsite",
	collections.ScheduledContents:          "ScheduledContent",
	collections.RecurringScheduledContents: "RecurringScheduledContent",
	collections.EmergencySlideshows:        "EmergencySlideshow",
}

// noticesOf are the notices upstream's signals send for r, plus the ones
// it forgets: deletes of slideshows, playlists, groups and screens, and
// playlist-item changes (as their playlist's). An update that moves a
// schedule, an emergency or an item away from a group (playlist) notifies
// the old one too, so its screens stop showing it; before holds the
// stored values of the update's diff field.
func noticesOf(action string, r *core.Record, before []string) []Notice {
	name := r.Collection().Name
	if name == collections.PlaylistItems {
		ids := changedValues(action, r, "slideshow_playlist", before)
		out := make([]Notice, 0, len(ids))
		for _, id := range ids {
			out = append(out, Notice{Model: modelNames[collections.Playlists], ID: id})
		}
		return out
	}
	model, ok := modelNames[name]
	if !ok {
		return nil
	}
	n := Notice{Model: model, ID: r.Id}
	switch name {
	case collections.DisplayWebsites:
		n.BranchID = r.GetString("branch")
	case collections.ScheduledContents, collections.RecurringScheduledContents:
		var out []Notice
		for _, g := range changedValues(action, r, "display_website_group", before) {
			n.DisplayWebsiteGroupID = g
			out = append(out, n)
		}
		if len(out) == 0 {
			out = append(out, n)
		}
		return out
	case collections.EmergencySlideshows:
		n.SlideshowID = r.GetString("slideshow")
		n.GroupIDs = changedValues(action, r, "display_website_groups", before)
	}
	return []Notice{n}
}

// changedValues are the ids in r's relation field now, followed by those
// it held before an update (before, the stored values read just ahead of
// the write; Original() when they were not read).
func changedValues(action string, r *core.Record, field string, before []string) []string {
	ids := slices.Clone(r.GetStringSlice(field))
	if action == Update {
		if before == nil && r.Original() != nil {
			before = r.Original().GetStringSlice(field)
		}
		for _, id := range before {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}
