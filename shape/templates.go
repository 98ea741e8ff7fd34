package shape

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// SlideTemplate is the Template of docs/api.md, "Slide templates": category
// and tags as objects, the organisation as Org, the suborganisation as
// {id, name, organisation (display name), organisation_uri_name} and the
// parent as {id, name}.
func (s *Shaper) SlideTemplate(r *core.Record) (Object, error) {
	category, err := s.categoryByID(r.GetString("category"))
	if err != nil {
		return nil, err
	}
	tags, err := s.tagList(r.GetStringSlice("tags"))
	if err != nil {
		return nil, err
	}
	org, err := s.find(collections.Organisations, r.GetString("organisation"))
	if err != nil {
		return nil, err
	}
	var orgJSON, suborgJSON, parentJSON any
	if org != nil {
		orgJSON = Org(org)
	}
	suborg, err := s.find(collections.Suborganisations, r.GetString("suborganisation"))
	if err != nil {
		return nil, err
	}
	if suborg != nil {
		so, err := s.find(collections.Organisations, suborg.GetString("organisation"))
		if err != nil {
			return nil, err
		}
		var orgName, orgURI any
		if so != nil {
			orgName, orgURI = so.GetString("name"), so.GetString("uri_name")
		}
		suborgJSON = Object{"id": ID(suborg.Id), "name": suborg.GetString("name"),
			"organisation": orgName, "organisation_uri_name": orgURI}
	}
	parent, err := s.find(collections.SlideTemplates, r.GetString("parent_template"))
	if err != nil {
		return nil, err
	}
	if parent != nil {
		parentJSON = Object{"id": ID(parent.Id), "name": parent.GetString("name")}
	}
	return Object{
		"id":              ID(r.Id),
		"name":            r.GetString("name"),
		"slide_data":      r.Get("slide_data"),
		"is_legacy":       r.GetBool("is_legacy"),
		"category":        category,
		"tags":            tags,
		"organisation":    orgJSON,
		"suborganisation": suborgJSON,
		"parent_template": parentJSON,
		"aspect_ratio":    r.GetString("aspect_ratio"),
		"created_at":      s.DateTime(r.GetDateTime("created_at")),
		"updated_at":      s.DateTime(r.GetDateTime("updated_at")),
	}, nil
}

// GlobalTemplate is the GlobalTemplate shape; an empty thumbnail is null.
func (s *Shaper) GlobalTemplate(r *core.Record) Object {
	return Object{
		"id":             ID(r.Id),
		"name":           r.GetString("name"),
		"slide_data":     r.Get("slide_data"),
		"thumbnail_url":  NullableString(r.GetString("thumbnail_url")),
		"preview_width":  r.GetInt("preview_width"),
		"preview_height": r.GetInt("preview_height"),
		"aspect_ratio":   r.GetString("aspect_ratio"),
		"is_legacy":      r.GetBool("is_legacy"),
		"created_at":     s.DateTime(r.GetDateTime("created_at")),
		"updated_at":     s.DateTime(r.GetDateTime("updated_at")),
	}
}

// categoryByID renders a related category, or nil when empty or dangling.
func (s *Shaper) categoryByID(id string) (any, error) {
	c, err := s.find(collections.Categories, id)
	if err != nil || c == nil {
		return nil, err
	}
	return s.Category(c)
}

// tagList renders related tags in stored order, skipping dangling ids.
func (s *Shaper) tagList(ids []string) ([]any, error) {
	tags := []any{}
	for _, id := range ids {
		t, err := s.find(collections.Tags, id)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		tj, err := s.Tag(t)
		if err != nil {
			return nil, err
		}
		tags = append(tags, tj)
	}
	return tags, nil
}
