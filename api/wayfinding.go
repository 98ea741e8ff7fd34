package api

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Wayfinding": wayfinding systems. The public wayfinding page
// reads them with the branch's screen key; editors use their token.
func (h *handlers) wayfindingRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/wayfinding/", rest.Methods{http.MethodGet: h.listWayfinding, http.MethodPost: h.createWayfinding})
	rest.Route(r, "/api/wayfinding/{pk}/", rest.Methods{
		http.MethodGet: h.listWayfinding, http.MethodPatch: h.patchWayfinding, http.MethodPut: h.patchWayfinding,
		http.MethodDelete: h.deleteWayfinding,
	})
}

func (h *handlers) wayfindingJSON(w *core.Record, withData bool) shape.Object {
	out := shape.Object{
		"id":         shape.ID(w.Id),
		"name":       w.GetString("name"),
		"branch":     shape.NullableID(w.GetString("branch")),
		"created_by": shape.NullableID(w.GetString("created_by")),
		"updated_at": shape.New(nil, h.cfg.Settings.TimeZone).DateTime(w.GetDateTime("updated_at")),
	}
	if withData {
		out["wayfinding_data"] = w.Get("wayfinding_data")
	}
	return out
}

// readerBranch is the branch a wayfinding reader may see: a valid screen
// key's branch (a different branch_id is refused), else branch_from_request
// for a signed-in user.
func readerBranch(e *core.RequestEvent) (*core.Record, error) {
	key, _, err := rest.ScreenKey(e)
	if err == nil && key != nil {
		if raw, _ := rest.Param(e, "branch_id"); raw != "" {
			if id, ok := collections.ParseID(raw); !ok || id != key.GetString("branch") {
				return nil, rest.Detail(http.StatusUnauthorized, apikey.ErrWrongBranch.Error())
			}
		}
		return e.App.FindRecordById(collections.Branches, key.GetString("branch"))
	}
	_, branch, err := userAndBranch(e)
	return branch, err
}

func (h *handlers) listWayfinding(e *core.RequestEvent) error {
	branch, err := readerBranch(e)
	if err != nil {
		return err
	}
	data := withData(e, "includeWayfindingData")
	raw := e.Request.PathValue("pk")
	if raw == "" {
		raw = e.Request.URL.Query().Get("id")
	}
	if raw != "" {
		w, err := rest.FindByID(e.App, collections.Wayfindings, raw)
		if err != nil || w.GetString("branch") != branch.Id {
			return rest.NotFound("Wayfinding")
		}
		return rest.JSON(e, http.StatusOK, h.wayfindingJSON(w, data))
	}
	rows, err := e.App.FindRecordsByFilter(collections.Wayfindings, "branch = {:b}", "name,id", 0, 0, dbx.Params{"b": branch.Id})
	if err != nil {
		return err
	}
	out := make([]any, len(rows))
	for i, w := range rows {
		out[i] = h.wayfindingJSON(w, data)
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) createWayfinding(e *core.RequestEvent) error {
	// Writes need a signed-in user: a screen key alone is a 401 (upstream 500).
	user, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	w, err := collections.NewRecord(e.App, collections.Wayfindings)
	if err != nil {
		return err
	}
	w.Set("branch", branch.Id)
	w.Set("created_by", user.Id)
	if err := h.saveWayfinding(e, w, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, h.wayfindingJSON(w, true))
}

func (h *handlers) patchWayfinding(e *core.RequestEvent) error {
	_, w, err := branchRecord(e, collections.Wayfindings, "Wayfinding")
	if err != nil {
		return err
	}
	if err := h.saveWayfinding(e, w, false); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, h.wayfindingJSON(w, true))
}

func (h *handlers) saveWayfinding(e *core.RequestEvent, w *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, full); ok {
		w.Set("name", v)
	}
	if v, ok := f.JSONValue("wayfinding_data"); ok {
		w.Set("wayfinding_data", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(w); err != nil {
		return rest.Invalid(err, nil)
	}
	return nil
}

func (h *handlers) deleteWayfinding(e *core.RequestEvent) error {
	if key, _, err := rest.ScreenKey(e); err == nil && key != nil && rest.OptionalUser(e) != nil {
		return rest.Detail(http.StatusForbidden, "API keys cannot delete wayfinding.")
	}
	_, w, err := branchRecord(e, collections.Wayfindings, "Wayfinding")
	if err != nil {
		return err
	}
	if err := e.App.Delete(w); err != nil {
		return err
	}
	return rest.NoContent(e)
}
