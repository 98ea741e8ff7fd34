package schedule

import (
	"errors"
	"strings"
	"time"
)

// DefaultLocation is the zone recurring rows are read in unless TIME_ZONE
// names another (docs/operations.md, "Server and web").
const DefaultLocation = "Europe/Copenhagen"

// ContentKind says whether a Content is a slideshow or a playlist.
type ContentKind string

// The two kinds of schedulable content.
const (
	KindSlideshow ContentKind = "slideshow"
	KindPlaylist  ContentKind = "playlist"
)

// Content names one slideshow or playlist. The zero Content (ID "") means
// "none", e.g. a group whose default was deleted (SET_NULL).
type Content struct {
	Kind ContentKind
	ID   string
	// Name is only used in validation messages and upcoming entries.
	Name string
}

// IsZero reports whether c names no content.
func (c Content) IsZero() bool { return c.ID == "" }

// Group is a display_website_group. Default is its default slideshow or
// playlist (upstream allows exactly one; zero when it was deleted).
type Group struct {
	ID          string
	Name        string
	Default     Content
	AspectRatio string
}

// OneOff is a ScheduledContent row: an absolute window [Start, End].
type OneOff struct {
	ID                 string
	GroupID            string
	Content            Content
	Start, End         time.Time
	CombineWithDefault bool
}

// Recurring is a RecurringScheduledContent row: every Weekday (0 = Monday)
// from StartTime to EndTime ("HH:MM" or "HH:MM:SS", wall clock), on the dates
// ActiveFrom to ActiveUntil inclusive ("YYYY-MM-DD"; ActiveUntil "" = open).
type Recurring struct {
	ID                 string
	GroupID            string
	Content            Content
	Weekday            int
	StartTime, EndTime string
	ActiveFrom         string
	ActiveUntil        string
	CombineWithDefault bool
}

// Emergency is an EmergencySlideshow row. Upstream's emergency always shows
// one slideshow, hence a slideshow id rather than a Content.
type Emergency struct {
	ID          string
	SlideshowID string
	GroupIDs    []string
	Active      bool
	// ExpiresAt, when set, is the instant an active emergency stops
	// playing (it plays while at < ExpiresAt), even before the record is
	// switched off.
	ExpiresAt time.Time
}

// PlaysAt reports whether the emergency plays at instant at.
func (e *Emergency) PlaysAt(at time.Time) bool {
	return e.Active && (e.ExpiresAt.IsZero() || at.Before(e.ExpiresAt))
}

// PlaylistItem is one entry of a playlist (a SlideshowPlaylistItem).
type PlaylistItem struct {
	ID          string
	Position    int
	SlideshowID string
}

// Input is everything the package looks at. Rows of other groups may be
// included; every function filters by group.
type Input struct {
	Groups      []Group
	OneOffs     []OneOff
	Recurring   []Recurring
	Emergencies []Emergency
	// PlaylistItems maps a playlist id to its items, in any order (they are
	// ordered by Position; equal positions keep this order). A playlist
	// missing from the map has no items.
	PlaylistItems map[string][]PlaylistItem
}

// WrappedPlaylistID is the hard-coded slideshow_playlist value upstream puts
// on a standalone slideshow wrapped as a playlist item (docs/api.md,
// "Active and upcoming content").
const WrappedPlaylistID = "1"

// Item is one entry of the player's items list. For playlist content it is a
// real playlist item; a standalone slideshow is wrapped as
// {id: slideshow id, position: 0, slideshow_playlist: 1} (Wrapped = true).
type Item struct {
	ID          string // "id"
	Position    int    // "position"
	PlaylistID  string // "slideshow_playlist"
	SlideshowID string // the slideshow to serialise under "slideshow"
	Wrapped     bool
}

// Result is the body of get-active-content minus the branch, suborg and org
// ids (the endpoint adds those). Every list is non-nil, sorted numerically
// and free of duplicates; the comments give the JSON keys.
type Result struct {
	GroupID         string // display_website_group_id
	Items           []Item // items
	EmergencyActive bool   // emergency_active, present only when true

	SlideshowIDs        []string // slideshow_ids
	PlaylistIDs         []string // slideshow_playlist_ids
	ScheduledContentIDs []string // scheduled_content_ids
	RecurringContentIDs []string // recurring_scheduled_content_ids
	EmergencyIDs        []string // emergency_slideshow_ids
}

// The 404 texts of get-active-content; the player matches ErrNoGroup's text
// exactly and goes back to registration.
var (
	ErrNoGroup          = errors.New("No display_website_group found.")
	ErrNoDefaultContent = errors.New("No default content found.")
)

// idLess orders ids numerically when both are numeric strings (upstream ids
// are integers), otherwise as strings.
func idLess(a, b string) bool {
	if isDigits(a) && isDigits(b) {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return len(a) < len(b)
		}
	}
	return a < b
}

func idCompare(a, b string) int {
	switch {
	case idLess(a, b):
		return -1
	case idLess(b, a):
		return 1
	default:
		return strings.Compare(a, b) // "01" vs "1": keep a total order
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
