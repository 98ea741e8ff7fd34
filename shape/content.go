package shape

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// Org is {id, name, uri_name}.
func Org(org *core.Record) Object {
	return Object{"id": ID(org.Id), "name": org.GetString("name"), "uri_name": org.GetString("uri_name")}
}

// Category renders a category or tag: {id, name, organisation: Org|null}.
func (s *Shaper) Category(c *core.Record) (Object, error) {
	org, err := s.find(collections.Organisations, c.GetString("organisation"))
	if err != nil {
		return nil, err
	}
	var o any
	if org != nil {
		o = Org(org)
	}
	return Object{"id": ID(c.Id), "name": c.GetString("name"), "organisation": o}, nil
}

// Tag has the category shape.
func (s *Shaper) Tag(t *core.Record) (Object, error) { return s.Category(t) }

// Slideshow is the Slideshow shape, with our revision (the number of the
// last save, for editors that detect concurrent edits); slideshow_data only
// withData (the includeSlideshowData flag of the content list), as stored:
// the client's own text, key order included.
func (s *Shaper) Slideshow(r *core.Record, withData bool) (Object, error) {
	category, err := s.categoryByID(r.GetString("category"))
	if err != nil {
		return nil, err
	}
	tags, err := s.tagList(r.GetStringSlice("tags"))
	if err != nil {
		return nil, err
	}
	out := Object{
		"id":                     ID(r.Id),
		"name":                   r.GetString("name"),
		"category":               category,
		"tags":                   tags,
		"mode":                   r.GetString("mode"),
		"is_emergency_slideshow": r.GetBool("is_emergency_slideshow"),
		"branch":                 NullableID(r.GetString("branch")),
		"created_by":             NullableID(r.GetString("created_by")),
		"preview_width":          r.GetInt("preview_width"),
		"preview_height":         r.GetInt("preview_height"),
		"is_custom_dimensions":   r.GetBool("is_custom_dimensions"),
		"is_legacy":              r.GetBool("is_legacy"),
		"aspect_ratio":           r.GetString("aspect_ratio"),
		"revision":               r.GetInt(collections.RevisionField),
	}
	if withData {
		out["slideshow_data"] = r.Get("slideshow_data")
	}
	return out, nil
}

// SlideshowByID renders a related slideshow with its data, or nil when the
// relation is empty or dangling.
func (s *Shaper) SlideshowByID(id string) (any, error) {
	r, err := s.find(collections.Slideshows, id)
	if err != nil || r == nil {
		return nil, err
	}
	return s.Slideshow(r, true)
}

// PlaylistItems returns a playlist's items ordered by position (then id).
func PlaylistItems(app core.App, playlistID string) ([]*core.Record, error) {
	return app.FindRecordsByFilter(collections.PlaylistItems, "slideshow_playlist = {:p}", "position,id", 0, 0,
		dbx.Params{"p": playlistID})
}

// PlaylistItem is {id, position, slideshow_playlist, slideshow (with data)}.
func (s *Shaper) PlaylistItem(item *core.Record) (Object, error) {
	slideshow, err := s.SlideshowByID(item.GetString("slideshow"))
	if err != nil {
		return nil, err
	}
	var position any
	if p := item.GetInt("position"); p != 0 {
		position = p
	}
	return Object{
		"id":                 ID(item.Id),
		"position":           position,
		"slideshow_playlist": ID(item.GetString("slideshow_playlist")),
		"slideshow":          slideshow,
	}, nil
}

// Playlist is the Playlist shape, always with its items and their data.
func (s *Shaper) Playlist(p *core.Record) (Object, error) {
	records, err := PlaylistItems(s.app, p.Id)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(records))
	for _, it := range records {
		j, err := s.PlaylistItem(it)
		if err != nil {
			return nil, err
		}
		items = append(items, j)
	}
	return Object{
		"id":           ID(p.Id),
		"items":        items,
		"name":         p.GetString("name"),
		"updated_at":   s.DateTime(p.GetDateTime("updated_at")),
		"aspect_ratio": p.GetString("aspect_ratio"),
		"branch":       NullableID(p.GetString("branch")),
		"created_by":   NullableID(p.GetString("created_by")),
	}, nil
}

// PlaylistByID renders a related playlist, or nil.
func (s *Shaper) PlaylistByID(id string) (any, error) {
	r, err := s.find(collections.Playlists, id)
	if err != nil || r == nil {
		return nil, err
	}
	return s.Playlist(r)
}
