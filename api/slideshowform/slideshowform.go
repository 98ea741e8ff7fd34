// Package slideshowform applies a Slideshow serializer body (the writable
// fields of docs/api.md, "Slideshows") to a record. The REST API and the
// editors' WebSocket both write slideshows through it, so an update is
// validated the same way whichever way it comes.
package slideshowform

import (
	"bytes"
	"context"
	"errors"
	"reflect"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/rest"
)

// camelAliases are the preview keys older content engines send.
var camelAliases = map[string]string{
	"previewWidth": "preview_width", "previewHeight": "preview_height", "isCustomDimensions": "is_custom_dimensions",
}

// MsgStale is the message of an update refused for its revision.
const MsgStale = "Slideshow was saved by someone else since this revision."

// StaleRevisionError is an update refused because it was based on an older
// revision than the stored one (docs/editors-websocket.md, "Revisions").
type StaleRevisionError = hooks.StaleRevisionError

// Apply validates f's body and saves r with it, and reports whether it
// saved. full is a create: name is required, and a "tags" list of ids or
// {id} objects stands in for tag_ids and a "category" object for
// category_id, as the copy dialog re-posts a slideshow as it was read.
// Category and tags must be the organisation's of r's branch.
//
// An update (not full) may carry the "revision" it was edited from: when
// the stored revision is newer, nothing is saved and the error is a
// *StaleRevisionError. An update that changes no stored value (its
// slideshow_data equal, byte for byte, to the stored one) is not saved:
// false, nil.
//
// A 400 (rest field errors) leaves r's stored row unchanged. ctx travels
// to the model hooks (see the realtime editors).
func Apply(ctx context.Context, app core.App, r *core.Record, f *rest.Form, full bool) (bool, error) {
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
		return false, err
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
	revision, based := -1, false
	if !full { // a copy re-posts the revision it read: not an expectation
		revision, based = Revision(f)
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	if based {
		if current := r.Original().GetInt(collections.RevisionField); revision < current {
			return false, &StaleRevisionError{Sent: revision, Current: current}
		}
		ctx = hooks.ExpectRevision(ctx, revision)
	}
	if !full && !changed(r) {
		return false, nil
	}
	if err := app.SaveWithContext(ctx, r); err != nil {
		if stale, ok := errors.AsType[*StaleRevisionError](err); ok {
			return false, stale
		}
		return false, rest.Invalid(err, map[string]string{"category": "category_id", "tags": "tag_ids"})
	}
	return true, nil
}

// Revision is the body's "revision": an integer of at least 0, or a field
// error; absent or null is no revision (false).
func Revision(f *rest.Form) (int, bool) {
	if v, present := f.Body[collections.RevisionField]; !present || v == nil {
		return 0, false
	}
	n, ok := f.Integer(collections.RevisionField, 0)
	return n, ok && len(f.Errs[collections.RevisionField]) == 0
}

// changed reports whether r differs from its stored row in any field:
// JSON fields byte for byte, the others by value.
func changed(r *core.Record) bool {
	stored := r.Original()
	for _, field := range r.Collection().Fields {
		name := field.GetName()
		a, b := r.GetRaw(name), stored.GetRaw(name)
		if ja, ok := a.(types.JSONRaw); ok {
			if jb, ok := b.(types.JSONRaw); !ok || !bytes.Equal(ja, jb) {
				return true
			}
			continue
		}
		if !reflect.DeepEqual(a, b) {
			return true
		}
	}
	return false
}
