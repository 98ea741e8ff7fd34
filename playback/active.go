package playback

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/schedule"
	"github.com/openstream-go/openstream/shape"
)

// Body is the JSON body of get-active-content (docs/api.md,
// "Active and upcoming content"), keys in upstream order.
type Body struct {
	Items                        []shape.Object `json:"items"`
	EmergencyActive              bool           `json:"emergency_active,omitempty"`
	SlideshowIDs                 []json.Number  `json:"slideshow_ids"`
	SlideshowPlaylistIDs         []json.Number  `json:"slideshow_playlist_ids"`
	ScheduledContentIDs          []json.Number  `json:"scheduled_content_ids"`
	RecurringScheduledContentIDs []json.Number  `json:"recurring_scheduled_content_ids"`
	EmergencySlideshowIDs        []json.Number  `json:"emergency_slideshow_ids"`
	DisplayWebsiteGroupID        json.Number    `json:"display_website_group_id"`
	OrgID                        any            `json:"org_id"`
	SuborgID                     any            `json:"suborg_id"`
	BranchID                     any            `json:"branch_id"`
}

// Content is one rendering of what a screen should play.
type Content struct {
	JSON    []byte // the response body
	Version string // a hash of JSON; changes exactly when the body does
	GroupID string
	Result  schedule.Result
	// Until is when a schedule boundary may change the answer (zero: only
	// a data change can).
	Until time.Time

	lastContent     sync.Once // the last_content JSON, made once for every screen given it
	lastContentJSON string
	lastContentErr  error
}

// Compute renders what screen plays at instant at. A screen without a
// group is schedule.ErrNoGroup; a group with nothing to play is
// schedule.ErrNoDefaultContent (the two 404s of the player).
func Compute(app core.App, screen *core.Record, at time.Time, loc *time.Location) (*Content, error) {
	return compute(app, screen, at, loc, (*shape.Shaper).SlideshowByID)
}

// slideshowFunc renders the slideshow of an item (shape.Shaper's
// SlideshowByID, or a cache in front of it).
type slideshowFunc func(s *shape.Shaper, id string) (any, error)

func compute(app core.App, screen *core.Record, at time.Time, loc *time.Location, slideshow slideshowFunc) (*Content, error) {
	groupID := screen.GetString("display_website_group")
	if groupID == "" {
		return nil, schedule.ErrNoGroup
	}
	group, err := app.FindRecordById(collections.DisplayWebsiteGroups, groupID)
	if err != nil {
		if isNoRows(err) {
			return nil, schedule.ErrNoGroup
		}
		return nil, err
	}
	in, err := LoadInput(app, []*core.Record{group})
	if err != nil {
		return nil, err
	}
	until, err := nextChange(in, groupID, at, loc)
	if err != nil {
		return nil, err
	}
	res, err := schedule.Active(in, groupID, at, loc)
	if err != nil {
		// "No default content found." may end at the next boundary too.
		return &Content{GroupID: groupID, Until: until}, err
	}
	s := shape.New(app, loc)
	items, err := itemsWith(s, res.Items, slideshow)
	if err != nil {
		return nil, err
	}
	body := Body{
		Items:                        items,
		EmergencyActive:              res.EmergencyActive,
		SlideshowIDs:                 numbers(res.SlideshowIDs),
		SlideshowPlaylistIDs:         numbers(res.PlaylistIDs),
		ScheduledContentIDs:          numbers(res.ScheduledContentIDs),
		RecurringScheduledContentIDs: numbers(res.RecurringContentIDs),
		EmergencySlideshowIDs:        numbers(res.EmergencyIDs),
		DisplayWebsiteGroupID:        json.Number(groupID),
	}
	if err := fillTree(app, screen.GetString("branch"), &body); err != nil {
		return nil, err
	}
	raw, err := marshal(body)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return &Content{JSON: raw, Version: hex.EncodeToString(sum[:12]), GroupID: groupID, Result: res, Until: until}, nil
}

// nextChange is the next schedule boundary, or zero when there is none.
func nextChange(in schedule.Input, groupID string, at time.Time, loc *time.Location) (time.Time, error) {
	next, ok, err := schedule.NextChange(in, groupID, at, loc)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return next, nil
}

// Items renders the player's items: real playlist items, or a standalone
// slideshow wrapped as {id: slideshow id, position: 0, slideshow_playlist: 1}.
func Items(s *shape.Shaper, list []schedule.Item) ([]shape.Object, error) {
	return itemsWith(s, list, (*shape.Shaper).SlideshowByID)
}

func itemsWith(s *shape.Shaper, items []schedule.Item, render slideshowFunc) ([]shape.Object, error) {
	out := make([]shape.Object, 0, len(items))
	for _, it := range items {
		slideshow, err := render(s, it.SlideshowID)
		if err != nil {
			return nil, err
		}
		out = append(out, shape.Object{
			"id":                 shape.ID(it.ID),
			"position":           it.Position,
			"slideshow_playlist": shape.ID(it.PlaylistID),
			"slideshow":          slideshow,
		})
	}
	return out, nil
}

// fillTree sets branch_id, suborg_id and org_id from the screen's branch
// (null when the screen has none).
func fillTree(app core.App, branchID string, b *Body) error {
	if branchID == "" {
		return nil
	}
	var tree struct {
		Suborg string `db:"suborganisation"`
		Org    string `db:"organisation"`
	}
	err := app.ConcurrentDB().NewQuery(
		"SELECT b.suborganisation AS suborganisation, s.organisation AS organisation FROM " +
			collections.Branches + " b JOIN " + collections.Suborganisations + " s ON s.id = b.suborganisation WHERE b.id = {:b}").
		Bind(map[string]any{"b": branchID}).One(&tree)
	if err != nil {
		if isNoRows(err) {
			return nil
		}
		return err
	}
	b.BranchID, b.SuborgID, b.OrgID = json.Number(branchID), json.Number(tree.Suborg), json.Number(tree.Org)
	return nil
}

// marshal encodes like the REST handlers: HTML left unescaped (slides
// carry markup), no trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func numbers(ids []string) []json.Number {
	out := make([]json.Number, len(ids))
	for i, id := range ids {
		out[i] = json.Number(id)
	}
	return out
}
