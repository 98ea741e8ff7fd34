package shape

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/schedule"
)

// Weekdays are the labels of weekday_display (0 = Monday).
var Weekdays = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// Group is {id, default_slideshow, default_playlist, name, aspect_ratio, branch}.
func (s *Shaper) Group(g *core.Record) (Object, error) {
	slideshow, err := s.SlideshowByID(g.GetString("default_slideshow"))
	if err != nil {
		return nil, err
	}
	playlist, err := s.PlaylistByID(g.GetString("default_playlist"))
	if err != nil {
		return nil, err
	}
	return Object{
		"id":                ID(g.Id),
		"default_slideshow": slideshow,
		"default_playlist":  playlist,
		"name":              g.GetString("name"),
		"aspect_ratio":      g.GetString("aspect_ratio"),
		"branch":            NullableID(g.GetString("branch")),
	}, nil
}

// Display is {id, name, uid, aspect_ratio, display_website_group, branch};
// the API adds the health fields.
func Display(d *core.Record) Object {
	return Object{
		"id":                    ID(d.Id),
		"name":                  d.GetString("name"),
		"uid":                   NullableString(d.GetString("uid")),
		"aspect_ratio":          d.GetString("aspect_ratio"),
		"display_website_group": NullableID(d.GetString("display_website_group")),
		"branch":                NullableID(d.GetString("branch")),
	}
}

// content renders the slideshow and playlist of a schedule row.
func (s *Shaper) content(r *core.Record) (slideshow, playlist any, err error) {
	if slideshow, err = s.SlideshowByID(r.GetString("slideshow")); err != nil {
		return nil, nil, err
	}
	playlist, err = s.PlaylistByID(r.GetString("playlist"))
	return slideshow, playlist, err
}

// Scheduled is the one-off schedule shape.
func (s *Shaper) Scheduled(r *core.Record) (Object, error) {
	slideshow, playlist, err := s.content(r)
	if err != nil {
		return nil, err
	}
	return Object{
		"id":                    ID(r.Id),
		"slideshow":             slideshow,
		"playlist":              playlist,
		"start_time":            s.DateTime(r.GetDateTime("start_time")),
		"end_time":              s.DateTime(r.GetDateTime("end_time")),
		"combine_with_default":  r.GetBool("combine_with_default"),
		"description":           NullableString(r.GetString("description")),
		"display_website_group": ID(r.GetString("display_website_group")),
	}, nil
}

// Recurring is the weekly schedule shape; times come out as "HH:MM:SS"
// like Django's TimeField whatever form they were stored in.
func (s *Shaper) Recurring(r *core.Record) (Object, error) {
	slideshow, playlist, err := s.content(r)
	if err != nil {
		return nil, err
	}
	weekday := r.GetInt("weekday")
	var label any
	if weekday >= 0 && weekday < len(Weekdays) {
		label = Weekdays[weekday]
	}
	return Object{
		"id":                    ID(r.Id),
		"slideshow":             slideshow,
		"playlist":              playlist,
		"weekday_display":       label,
		"weekday":               weekday,
		"start_time":            clock(r.GetString("start_time")),
		"end_time":              clock(r.GetString("end_time")),
		"combine_with_default":  r.GetBool("combine_with_default"),
		"description":           NullableString(r.GetString("description")),
		"active_from":           NullableString(r.GetString("active_from")),
		"active_until":          NullableString(r.GetString("active_until")),
		"display_website_group": ID(r.GetString("display_website_group")),
	}, nil
}

// clock renders a stored time of day as Django's TimeField does:
// "HH:MM:SS", with six fraction digits when it has a fraction.
func clock(v string) string {
	c, err := schedule.ParseClock(v)
	if err != nil {
		return v
	}
	d := time.Duration(c)
	out := fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60))
	if us := int(d % time.Second / time.Microsecond); us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	return out
}

// Emergency is {id, slideshow, display_website_groups: [Group], is_active}.
func (s *Shaper) Emergency(r *core.Record) (Object, error) {
	slideshow, err := s.SlideshowByID(r.GetString("slideshow"))
	if err != nil {
		return nil, err
	}
	groups := []any{}
	for _, id := range r.GetStringSlice("display_website_groups") {
		g, err := s.find(collections.DisplayWebsiteGroups, id)
		if err != nil {
			return nil, err
		}
		if g == nil {
			continue
		}
		gj, err := s.Group(g)
		if err != nil {
			return nil, err
		}
		groups = append(groups, gj)
	}
	return Object{
		"id":                     ID(r.Id),
		"slideshow":              slideshow,
		"display_website_groups": groups,
		"is_active":              r.GetBool("is_active"),
		"expires_at":             s.DateTime(r.GetDateTime("expires_at")),
	}, nil
}
