package templates

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// model is upstream's model name in get_object_or_404's 404.
const model = "SlideTemplate"

// listOrgTemplates lists an organisation's org-wide templates (those
// without a suborganisation) to any member.
func (h *handlers) listOrgTemplates(e *core.RequestEvent, user *core.Record) error {
	org, err := queryOrg(e)
	if err != nil {
		return err
	}
	if err := gate(msgNotAllowed)(access.BelongsToOrg(e.App, user.Id, org.Id)); err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.SlideTemplates,
		dbx.HashExp{"organisation": org.Id, "suborganisation": ""})
	if err != nil {
		return err
	}
	sortBySlideDataID(rs)
	return h.list(e, rs)
}

func (h *handlers) getOrgTemplate(e *core.RequestEvent) error {
	user, t, err := rest.UserAndRecord(e, collections.SlideTemplates, model)
	if err != nil {
		return err
	}
	if err := gate(msgNotAllowed)(access.BelongsToOrg(e.App, user.Id, t.GetString("organisation"))); err != nil {
		return err
	}
	return h.one(e, http.StatusOK, t)
}

// createOrgTemplate creates a template in the organisation of the query
// (a body organisation_id is ignored), for its org admins.
func (h *handlers) createOrgTemplate(e *core.RequestEvent, user *core.Record) error {
	org, err := queryOrg(e)
	if err != nil {
		return err
	}
	if err := gate(msgNotAllowed)(access.IsOrgAdminIn(e.App, user.Id, org.Id)); err != nil {
		return err
	}
	t, err := collections.NewRecord(e.App, collections.SlideTemplates)
	if err != nil {
		return err
	}
	t.Set("organisation", org.Id)
	if err := saveTemplate(e, t, true, true); err != nil {
		return err
	}
	return h.one(e, http.StatusCreated, t)
}

func (h *handlers) patchOrgTemplate(e *core.RequestEvent) error {
	user, t, err := rest.UserAndRecord(e, collections.SlideTemplates, model)
	if err != nil {
		return err
	}
	if err := gate(msgNotAllowed)(access.IsOrgAdminIn(e.App, user.Id, t.GetString("organisation"))); err != nil {
		return err
	}
	if err := saveTemplate(e, t, false, true); err != nil {
		return err
	}
	return h.one(e, http.StatusOK, t)
}

func (h *handlers) deleteOrgTemplate(e *core.RequestEvent) error {
	user, t, err := rest.UserAndRecord(e, collections.SlideTemplates, model)
	if err != nil {
		return err
	}
	if err := gate(msgNotAuthToDelete)(access.IsOrgAdminIn(e.App, user.Id, t.GetString("organisation"))); err != nil {
		return err
	}
	return deleteTemplate(e, t)
}

// deleteTemplate answers 204 without upstream's body (a 204 has none);
// suborg copies keep existing with no parent.
func deleteTemplate(e *core.RequestEvent, t *core.Record) error {
	if err := e.App.Delete(t); err != nil {
		return err
	}
	return rest.NoContent(e)
}

// saveTemplate applies the writable fields of the body and saves. Every
// related record must be in the template's organisation. ownership allows
// suborganisation_id, parent_template_id and is_legacy, which the suborg
// endpoint strips.
func saveTemplate(e *core.RequestEvent, t *core.Record, create, ownership bool) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	org := t.GetString("organisation")
	if v, ok := f.Text("name", 255, create); ok {
		t.Set("name", v)
	}
	if v, ok := f.JSONValue("slide_data"); ok {
		t.Set("slide_data", v)
	}
	if v, ok := f.Text("aspect_ratio", 10, false); ok {
		t.Set("aspect_ratio", v)
	}
	if v, ok := f.OrgPK("category_id", collections.Categories, org); ok {
		t.Set("category", v)
	}
	if v, ok := f.OrgPKList("tag_ids", collections.Tags, org); ok {
		t.Set("tags", v)
	}
	if ownership {
		if v, ok := f.Boolean("is_legacy"); ok {
			t.Set("is_legacy", v)
		}
		if v, ok := f.OrgPK("suborganisation_id", collections.Suborganisations, org); ok {
			t.Set("suborganisation", v)
		}
		if v, ok := f.OrgPK("parent_template_id", collections.SlideTemplates, org); ok {
			if v != "" && v == t.Id {
				f.Fail("parent_template_id", "A template cannot be its own parent.")
			}
			t.Set("parent_template", v)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(t); err != nil {
		return rest.Invalid(err, map[string]string{
			"category": "category_id", "tags": "tag_ids", "suborganisation": "suborganisation_id", "parent_template": "parent_template_id",
		})
	}
	return nil
}
