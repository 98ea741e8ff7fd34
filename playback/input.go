// Package playback works out what a screen plays: it loads a group's
// schedules from the records into the pure schedule package, renders the
// player's get-active-content body, caches it until something it depends on
// changes or the next schedule boundary passes, and records screen health.
package playback

import (
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/schedule"
	"github.com/openstream-go/openstream/shape"
)

// LoadInput gathers everything the schedule package needs about groups:
// the groups themselves (in the given order), their one-off and recurring
// rows, the emergencies linked to them and the items of every playlist
// involved. Content names are filled in for messages and upcoming entries.
func LoadInput(app core.App, groups []*core.Record) (schedule.Input, error) {
	in := schedule.Input{PlaylistItems: map[string][]schedule.PlaylistItem{}}
	if len(groups) == 0 {
		return in, nil
	}
	l := loader{app: app, names: map[string]string{}}
	ids := make([]any, len(groups))
	for i, g := range groups {
		ids[i] = g.Id
		def, err := l.content(g.GetString("default_slideshow"), g.GetString("default_playlist"))
		if err != nil {
			return in, err
		}
		in.Groups = append(in.Groups, schedule.Group{
			ID: g.Id, Name: g.GetString("name"), Default: def, AspectRatio: g.GetString("aspect_ratio"),
		})
	}
	inGroups := dbx.In("display_website_group", ids...)

	oneOffs, err := app.FindAllRecords(collections.ScheduledContents, inGroups)
	if err != nil {
		return in, err
	}
	for _, r := range oneOffs {
		c, err := l.content(r.GetString("slideshow"), r.GetString("playlist"))
		if err != nil {
			return in, err
		}
		in.OneOffs = append(in.OneOffs, OneOff(r, c))
	}

	recurring, err := app.FindAllRecords(collections.RecurringScheduledContents, inGroups)
	if err != nil {
		return in, err
	}
	for _, r := range recurring {
		c, err := l.content(r.GetString("slideshow"), r.GetString("playlist"))
		if err != nil {
			return in, err
		}
		in.Recurring = append(in.Recurring, Recurring(r, c))
	}

	emergencies, err := EmergenciesOf(app, ids...)
	if err != nil {
		return in, err
	}
	for _, r := range emergencies {
		in.Emergencies = append(in.Emergencies, schedule.Emergency{
			ID: r.Id, SlideshowID: r.GetString("slideshow"),
			GroupIDs: r.GetStringSlice("display_website_groups"), Active: r.GetBool("is_active"),
			ExpiresAt: r.GetDateTime("expires_at").Time(),
		})
	}

	for _, p := range l.playlists {
		items, err := shape.PlaylistItems(app, p)
		if err != nil {
			return in, err
		}
		list := make([]schedule.PlaylistItem, len(items))
		for i, it := range items {
			list[i] = schedule.PlaylistItem{ID: it.Id, Position: it.GetInt("position"), SlideshowID: it.GetString("slideshow")}
		}
		in.PlaylistItems[p] = list
	}
	return in, nil
}

// EmergenciesOf returns the emergencies linked to any of the groups, each
// once, by id.
func EmergenciesOf(app core.App, groupIDs ...any) ([]*core.Record, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	var out []*core.Record
	err := app.RecordQuery(collections.EmergencySlideshows).
		AndWhere(dbx.NewExp("EXISTS (SELECT 1 FROM json_each([[display_website_groups]]) WHERE json_each.value IN (SELECT value FROM json_each({:ids})))",
			dbx.Params{"ids": jsonList(groupIDs)})).
		OrderBy("id").All(&out)
	return out, err
}

func jsonList(ids []any) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, id.(string)...) // ids are digits: nothing to escape
		b = append(b, '"')
	}
	return string(append(b, ']'))
}

// OneOff converts a scheduled_contents record.
func OneOff(r *core.Record, c schedule.Content) schedule.OneOff {
	return schedule.OneOff{
		ID: r.Id, GroupID: r.GetString("display_website_group"), Content: c,
		Start: r.GetDateTime("start_time").Time(), End: r.GetDateTime("end_time").Time(),
		CombineWithDefault: r.GetBool("combine_with_default"),
	}
}

// Recurring converts a recurring_scheduled_contents record.
func Recurring(r *core.Record, c schedule.Content) schedule.Recurring {
	return schedule.Recurring{
		ID: r.Id, GroupID: r.GetString("display_website_group"), Content: c,
		Weekday: r.GetInt("weekday"), StartTime: r.GetString("start_time"), EndTime: r.GetString("end_time"),
		ActiveFrom: r.GetString("active_from"), ActiveUntil: r.GetString("active_until"),
		CombineWithDefault: r.GetBool("combine_with_default"),
	}
}

// loader resolves content names once and remembers the playlists seen.
type loader struct {
	app       core.App
	names     map[string]string
	playlists []string
}

// content names a row's slideshow, else its playlist; the zero Content
// when it has neither. A dangling id (deleted meanwhile) is still named.
func (l *loader) content(slideshowID, playlistID string) (schedule.Content, error) {
	switch {
	case slideshowID != "":
		name, err := l.name(collections.Slideshows, slideshowID)
		return schedule.Content{Kind: schedule.KindSlideshow, ID: slideshowID, Name: name}, err
	case playlistID != "":
		if !slices.Contains(l.playlists, playlistID) {
			l.playlists = append(l.playlists, playlistID)
		}
		name, err := l.name(collections.Playlists, playlistID)
		return schedule.Content{Kind: schedule.KindPlaylist, ID: playlistID, Name: name}, err
	}
	return schedule.Content{}, nil
}

func (l *loader) name(collection, id string) (string, error) {
	key := collection + "/" + id
	if n, ok := l.names[key]; ok {
		return n, nil
	}
	var name string
	err := l.app.ConcurrentDB().Select("name").From(collection).Where(dbx.HashExp{"id": id}).Row(&name)
	if err != nil && !isNoRows(err) {
		return "", err
	}
	l.names[key] = name
	return name, nil
}
