package shape

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// position renders an ordering position; 0 (never stored by the API, which
// auto-assigns it) is null as upstream's nullable column.
func position(r *core.Record) any {
	if p := r.GetInt("position"); p != 0 {
		return p
	}
	return nil
}

// Color is {id, name, hex_value, type, position, organisation}.
func Color(r *core.Record) Object {
	return Object{
		"id":           ID(r.Id),
		"name":         r.GetString("name"),
		"hex_value":    r.GetString("hex_value"),
		"type":         r.GetString("type"),
		"position":     position(r),
		"organisation": ID(r.GetString("organisation")),
	}
}

// Font is {id, name, font_url, position, organisation}.
func Font(r *core.Record) Object {
	return Object{
		"id":           ID(r.Id),
		"name":         r.GetString("name"),
		"font_url":     r.GetString("font_url"),
		"position":     position(r),
		"organisation": ID(r.GetString("organisation")),
	}
}

// TextFmt is {id, organisation, allow_bold, allow_italic, allow_underline}.
func TextFmt(r *core.Record) Object {
	return Object{
		"id":              ID(r.Id),
		"organisation":    ID(r.GetString("organisation")),
		"allow_bold":      r.GetBool("allow_bold"),
		"allow_italic":    r.GetBool("allow_italic"),
		"allow_underline": r.GetBool("allow_underline"),
	}
}

// SlideType is the RegisteredSlideTypes shape. An empty name is the choice
// label, as upstream's save() fills it in; rows come from the dashboard,
// which has no such hook.
func (s *Shaper) SlideType(r *core.Record) Object {
	name := r.GetString("name")
	if name == "" {
		name = collections.SlideTypes[r.GetInt("slide_type_id")]
	}
	return Object{
		"id":            ID(r.Id),
		"slide_type_id": r.GetInt("slide_type_id"),
		"name":          NullableString(name),
		"description":   NullableString(r.GetString("description")),
		"organisation":  ID(r.GetString("organisation")),
		"created_at":    s.DateTime(r.GetDateTime("created_at")),
		"updated_at":    s.DateTime(r.GetDateTime("updated_at")),
	}
}

// URLItem is {id, branch, url}.
func URLItem(r *core.Record) Object {
	return Object{"id": ID(r.Id), "branch": ID(r.GetString("branch")), "url": r.GetString("url")}
}
