package templates

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

const globalModel = "GlobalSlideTemplate"

// globalPermissions tells the editor whether to show the store's controls.
func (h *handlers) globalPermissions(e *core.RequestEvent, user *core.Record) error {
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"can_manage": super})
}

// listGlobal shows the template store to any signed-in user.
func (h *handlers) listGlobal(e *core.RequestEvent, _ *core.Record) error {
	rs, err := e.App.FindAllRecords(collections.GlobalSlideTemplates)
	if err != nil {
		return err
	}
	sortByName(rs)
	s := h.shaper(e)
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = s.GlobalTemplate(r)
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) getGlobal(e *core.RequestEvent) error {
	_, t, err := rest.UserAndRecord(e, collections.GlobalSlideTemplates, globalModel)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, h.shaper(e).GlobalTemplate(t))
}

// superAdmin is the start of every write: only super admins manage the
// store. It is checked before the record, so others learn nothing.
func superAdmin(e *core.RequestEvent, user *core.Record) error {
	return gate(msgSuperAdminsOnly)(access.IsSuperAdmin(e.App, user.Id))
}

func (h *handlers) createGlobal(e *core.RequestEvent, user *core.Record) error {
	if err := superAdmin(e, user); err != nil {
		return err
	}
	t, err := collections.NewRecord(e.App, collections.GlobalSlideTemplates)
	if err != nil {
		return err
	}
	// The id is chosen now because a stored thumbnail's address names it.
	id, err := security.RandomStringByRegex(collections.IdAutogeneratePattern)
	if err != nil {
		return err
	}
	t.Set("id", id)
	if err := h.saveGlobal(e, t, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, h.shaper(e).GlobalTemplate(t))
}

func (h *handlers) patchGlobal(e *core.RequestEvent, user *core.Record) error {
	t, err := globalRecord(e, user)
	if err != nil {
		return err
	}
	if err := h.saveGlobal(e, t, false); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, h.shaper(e).GlobalTemplate(t))
}

func (h *handlers) deleteGlobal(e *core.RequestEvent, user *core.Record) error {
	t, err := globalRecord(e, user)
	if err != nil {
		return err
	}
	if err := e.App.Delete(t); err != nil {
		return err
	}
	return rest.NoContent(e)
}

func globalRecord(e *core.RequestEvent, user *core.Record) (*core.Record, error) {
	if err := superAdmin(e, user); err != nil {
		return nil, err
	}
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return nil, err
	}
	t, err := e.App.FindRecordById(collections.GlobalSlideTemplates, id)
	if err != nil {
		return nil, rest.NotFound(globalModel)
	}
	return t, nil
}

// saveGlobal applies the GlobalTemplate fields of the body and saves.
func (h *handlers) saveGlobal(e *core.RequestEvent, t *core.Record, create bool) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, create); ok {
		t.Set("name", v)
	}
	if v, ok := f.JSONValue("slide_data"); ok {
		t.Set("slide_data", v)
	}
	if f.Has("thumbnail_url") {
		v, msg := thumbnail(f.Body["thumbnail_url"])
		if msg != "" {
			f.Fail("thumbnail_url", msg)
		} else if err := h.storeThumbnail(e, t, v); err != nil {
			return err
		}
	}
	for _, key := range []string{"preview_width", "preview_height"} {
		if v, ok := f.Integer(key, 1); ok {
			t.Set(key, v)
		}
	}
	if v, ok := f.Text("aspect_ratio", 10, false); ok {
		t.Set("aspect_ratio", v)
	}
	if v, ok := f.Boolean("is_legacy"); ok {
		t.Set("is_legacy", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(t); err != nil {
		return rest.Invalid(err, nil)
	}
	return nil
}

// storeThumbnail keeps a data: URL thumbnail as a file in the media storage
// and answers its absolute address from then on (the browser loads it from
// the backend's host, not the frontend's); an outside URL or "" is kept as
// it is, and a stored file it replaces is removed.
func (h *handlers) storeThumbnail(e *core.RequestEvent, t *core.Record, v string) error {
	file, ok, err := thumbnailFile(v)
	if err != nil {
		return err
	}
	if !ok {
		t.Set("thumbnail", nil)
		t.Set("thumbnail_url", v)
		return nil
	}
	t.Set("thumbnail", file)
	t.Set("thumbnail_url", rest.AbsoluteURL(e, h.cfg.Settings,
		"/api/files/"+collections.GlobalSlideTemplates+"/"+t.Id+"/"+file.Name))
	return nil
}
