// Package slideshowform applies a Slideshow serializer body (the writable
// fields of docs/api.md, "Slideshows") to a record. The REST API and the
// editors' WebSocket both write slideshows through it, so an update is
// validated the same way whichever way it comes.
package slideshowform

import (
	"context"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// camelAliases are the preview keys older content engines send.
var camelAliases = map[string]string{
	"previewWidth": "preview_width", "previewHeight": "preview_height", "isCustomDimensions": "is_custom_dimensions",
}

// Apply validates f's body and saves r with it. full is a create: name is
// required, and a "tags" list of ids or {id} objects stands in for tag_ids
// and a "category" object for category_id, as the copy dialog re-posts a
// slideshow as it was read. Category and tags must be the organisation's
// of r's branch. slideshow_data is stored as f's client wrote it (the
// form's raw fields), key order included. A 400 (rest field errors) leaves
// r's stored row unchanged. ctx travels to the model hooks (see the
// realtime editors).
func Apply(ctx context.Context, app core.App, r *core.Record, f *rest.Form, full bool) error {
	for camel, snake := range camelAliases {
		if v, ok := f.Body[camel]; ok && !f.Has(snake) {
			f.Body[snake] = v
		}
	}
	if full && !f.Has("tag_ids") {
		if tags, ok := f.Body["tags"].([]any); ok {
			ids := make([]any, 0, len(tags))
			for _, t := range tags {
				if obj, ok := t.(map[string]any); ok {
					t = obj["id"]
				}
				ids = append(ids, t)
			}
			f.Body["tag_ids"] = ids
		}
	}
	if obj, ok := f.Body["category"].(map[string]any); ok && full && !f.Has("category_id") {
		f.Body["category_id"] = obj["id"] // the copy keeps its category (upstream dropped it)
	}
	org, err := access.BranchOrganisation(app, r.GetString("branch"))
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, full); ok {
		r.Set("name", v)
	}
	if v, ok := f.Choice("mode", []string{collections.ModeSlideshow, collections.ModeInteractive}, false); ok {
		r.Set("mode", v)
	}
	for _, key := range []string{"is_emergency_slideshow", "is_custom_dimensions", "is_legacy"} {
		if v, ok := f.Boolean(key); ok {
			r.Set(key, v)
		}
	}
	for _, key := range []string{"preview_width", "preview_height"} {
		if v, ok := f.Integer(key, 1); ok {
			r.Set(key, v)
		}
	}
	if v, ok := f.JSONValue("slideshow_data"); ok {
		r.Set("slideshow_data", v)
	}
	if v, ok := f.OrgPK("category_id", collections.Categories, org); ok {
		r.Set("category", v)
	}
	if v, ok := f.OrgPKList("tag_ids", collections.Tags, org); ok {
		r.Set("tags", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := app.SaveWithContext(ctx, r); err != nil {
		return rest.Invalid(err, map[string]string{"category": "category_id", "tags": "tag_ids"})
	}
	return nil
}
