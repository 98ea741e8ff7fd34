package templates

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// listSuborgTemplates lists the org-wide templates of a suborganisation's
// organisation plus the suborganisation's own copies, by name.
func (h *handlers) listSuborgTemplates(e *core.RequestEvent, user *core.Record) error {
	raw := e.Request.URL.Query().Get("suborg_id")
	if raw == "" {
		return rest.Detail(http.StatusBadRequest, "suborg_id query param is required.")
	}
	suborg, err := rest.FindByID(e.App, collections.Suborganisations, raw)
	if err != nil {
		return rest.NotFound("SubOrganisation")
	}
	if err := gate(msgNotAllowed)(canSeeSuborgTemplates(e.App, user.Id, suborg.Id)); err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.SlideTemplates,
		dbx.HashExp{"organisation": suborg.GetString("organisation")},
		dbx.In("suborganisation", "", suborg.Id))
	if err != nil {
		return err
	}
	sortByName(rs)
	return h.list(e, rs)
}

// canSeeSuborgTemplates: the suborganisation's managers, and whoever may
// use any of its branches. Upstream asked for its first branch by id,
// which with increasing ids meant the oldest; with random ids "first" is
// arbitrary, and a branch created later (the frontend's own
// suborg_templates branch) with a lower id locked its employees out.
func canSeeSuborgTemplates(app core.App, userID, suborgID string) (bool, error) {
	if ok, err := access.CanManageSuborg(app, userID, suborgID); ok || err != nil {
		return ok, err
	}
	var branches []*core.Record
	if err := app.RecordQuery(collections.Branches).Where(dbx.HashExp{"suborganisation": suborgID}).All(&branches); err != nil {
		return false, err
	}
	for _, b := range branches {
		if ok, err := access.CanAccessBranch(app, userID, b.Id); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// getSuborgTemplate shows a suborg copy to its managers and an org-wide
// template to any member.
func (h *handlers) getSuborgTemplate(e *core.RequestEvent) error {
	user, t, err := rest.UserAndRecord(e, collections.SlideTemplates, model)
	if err != nil {
		return err
	}
	check := gate(msgNotAllowed)
	if suborg := t.GetString("suborganisation"); suborg != "" {
		err = check(access.CanManageSuborg(e.App, user.Id, suborg))
	} else {
		err = check(access.BelongsToOrg(e.App, user.Id, t.GetString("organisation")))
	}
	if err != nil {
		return err
	}
	return h.one(e, http.StatusOK, t)
}

// copyToSuborg copies an org-wide template into a suborganisation.
func (h *handlers) copyToSuborg(e *core.RequestEvent, user *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	suborgRaw, _ := f.Body.String("suborg_id")
	parentRaw, _ := f.Body.String("parent_template_id")
	switch {
	case suborgRaw == "":
		return rest.Detail(http.StatusBadRequest, "suborg_id is required.")
	case parentRaw == "":
		return rest.Detail(http.StatusBadRequest, "parent_template_id is required.")
	}
	suborg, err := rest.FindByID(e.App, collections.Suborganisations, suborgRaw)
	if err != nil {
		return rest.NotFound("SubOrganisation")
	}
	if err := gate(msgNotAuthToSuborg)(access.CanManageSuborg(e.App, user.Id, suborg.Id)); err != nil {
		return err
	}
	parent, err := rest.FindByID(e.App, collections.SlideTemplates, parentRaw)
	if err != nil {
		return rest.NotFound(model)
	}
	switch {
	case parent.GetString("suborganisation") != "":
		return rest.Detail(http.StatusBadRequest, "Parent template must be a global template.")
	case parent.GetString("organisation") != suborg.GetString("organisation"):
		return rest.Detail(http.StatusBadRequest, "Parent template must belong to the same organisation.")
	}
	name, err := copyName(f.Body, parent.GetString("name"))
	if err != nil {
		return err
	}
	t, err := collections.NewRecord(e.App, collections.SlideTemplates)
	if err != nil {
		return err
	}
	t.Load(map[string]any{
		"organisation":    suborg.GetString("organisation"),
		"suborganisation": suborg.Id,
		"parent_template": parent.Id,
		"name":            name,
		"slide_data":      parent.Get("slide_data"),
		"aspect_ratio":    parent.GetString("aspect_ratio"),
		"is_legacy":       parent.GetBool("is_legacy"),
		"category":        parent.GetString("category"),
		"tags":            parent.GetStringSlice("tags"),
	})
	if err := e.App.Save(t); err != nil {
		return rest.Invalid(err, nil)
	}
	return h.one(e, http.StatusCreated, t)
}

// copyName is the body's name, or "<parent> (Copy)" cut to the column's
// 255 characters (upstream fails with a 500 on a long parent name).
func copyName(body rest.Body, parent string) (string, error) {
	if v, _ := body.String("name"); strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		if len([]rune(v)) > 255 {
			return "", rest.Field("name", "Ensure this field has no more than 255 characters.")
		}
		return v, nil
	}
	const suffix = " (Copy)"
	if r := []rune(parent); len(r) > 255-len(suffix) {
		parent = string(r[:255-len(suffix)])
	}
	return parent + suffix, nil
}

// suborgTemplate is the start of PATCH and DELETE: the template, which
// must be a suborg copy, and the caller's right to manage its suborg.
func suborgTemplate(e *core.RequestEvent, denied string) (*core.Record, error) {
	user, t, err := rest.UserAndRecord(e, collections.SlideTemplates, model)
	if err != nil {
		return nil, err
	}
	suborg := t.GetString("suborganisation")
	if suborg == "" {
		return nil, rest.Detail(http.StatusBadRequest, "This endpoint is only for suborg templates.")
	}
	return t, gate(denied)(access.CanManageSuborg(e.App, user.Id, suborg))
}

// patchSuborgTemplate edits a copy; ownership fields and is_legacy are
// ignored, as upstream strips them.
func (h *handlers) patchSuborgTemplate(e *core.RequestEvent) error {
	t, err := suborgTemplate(e, msgNotAllowed)
	if err != nil {
		return err
	}
	if err := saveTemplate(e, t, false, false); err != nil {
		return err
	}
	return h.one(e, http.StatusOK, t)
}

func (h *handlers) deleteSuborgTemplate(e *core.RequestEvent) error {
	t, err := suborgTemplate(e, msgNotAuthToDelete)
	if err != nil {
		return err
	}
	return deleteTemplate(e, t)
}
