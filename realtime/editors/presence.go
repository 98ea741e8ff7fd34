package editors

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// presenceEntry is one editor in a {"presence": [...]} frame.
type presenceEntry struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Initials    string `json:"initials"`
	sortKey     string
}

// presenceFrame is {"presence": [...]} for a slideshow: one entry per user
// with a live connection on any instance (two tabs are one entry), sorted
// by lowercased username.
func (ed *Editors) presenceFrame(ctx context.Context, slideshowID string) ([]byte, error) {
	members, err := ed.cfg.Hub.Presence().Members(ctx, topicOf(slideshowID))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(members))
	seen := map[string]bool{}
	for _, m := range members {
		if id, ok := collections.ParseID(m); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	var users []*core.Record
	if len(ids) > 0 {
		if users, err = ed.app.FindRecordsByIds(collections.Users, ids); err != nil {
			return nil, err
		}
	}
	entries := make([]presenceEntry, 0, len(users))
	for _, u := range users {
		username := u.GetString("username")
		entries = append(entries, presenceEntry{
			ID: u.Id, DisplayName: username, sortKey: strings.ToLower(username),
			Initials: initials(u.GetString("first_name"), u.GetString("last_name"), username, u.Email(), u.Id),
		})
	}
	slices.SortFunc(entries, func(a, b presenceEntry) int {
		if c := strings.Compare(a.sortKey, b.sortKey); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return rest.Marshal(map[string]any{"presence": entries})
}

// broadcastPresence has the slideshow's presence sent to its editors with
// the other requests of the same window (presenceSoon) and waits for it.
func (ed *Editors) broadcastPresence(ctx context.Context, slideshowID string) error {
	return ed.presenceSoon(slideshowID).wait(ctx)
}

// publishPresence publishes the slideshow's presence to its editors now.
func (ed *Editors) publishPresence(ctx context.Context, slideshowID string) error {
	raw, err := ed.presenceFrame(ctx, slideshowID)
	if err != nil {
		return err
	}
	return ed.cfg.Hub.Publish(ctx, topicOf(slideshowID), raw)
}

// initials are upstream's: the first letters of the first two words of
// "<first> <last>" (else of the username, the email, "User <id>"),
// uppercased; when that is empty, the username's first two characters.
func initials(first, last, username, email, id string) string {
	name := strings.TrimSpace(first + " " + last)
	for _, alt := range []string{username, email, "User " + id} {
		if name != "" {
			break
		}
		name = alt
	}
	var b strings.Builder
	for i, w := range strings.Fields(name) {
		if i == 2 {
			break
		}
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(r)
	}
	if out := strings.ToUpper(b.String()); out != "" {
		return out
	}
	n := 0
	for i := range username {
		if n == 2 {
			return strings.ToUpper(username[:i])
		}
		n++
	}
	return strings.ToUpper(username)
}
