package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/api/slideshowform"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Slideshows": slideshows ("manage_content") of a branch.
func (h *handlers) slideshowRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/manage_content/", rest.Methods{http.MethodGet: h.listSlideshows, http.MethodPost: h.createSlideshow})
	rest.Route(r, "/api/manage_content/{pk}/", rest.Methods{
		http.MethodGet: h.getSlideshow, http.MethodPatch: h.patchSlideshow, http.MethodPut: h.patchSlideshow, http.MethodDelete: h.deleteSlideshow,
	})
}

// truthy is how upstream reads boolean query flags.
func truthy(v string) bool {
	return slices.Contains([]string{"1", "true", "yes", "on"}, strings.ToLower(strings.TrimSpace(v)))
}

// withData reads a flag that defaults to true and is false for any other value.
func withData(e *core.RequestEvent, name string) bool {
	v, ok := e.Request.URL.Query()[name]
	return !ok || strings.EqualFold(v[0], "true")
}

func (h *handlers) listSlideshows(e *core.RequestEvent) error {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	data := withData(e, "includeSlideshowData")
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	if raw := q.Get("id"); raw != "" {
		r, err := rest.FindByID(e.App, collections.Slideshows, raw)
		if err != nil || r.GetString("branch") != branch.Id {
			return rest.NotFound("Slideshow")
		}
		j, err := s.Slideshow(r, data)
		return respond(e, http.StatusOK, j, err)
	}
	filter, params := "branch = {:b}", dbx.Params{"b": branch.Id}
	if v, ok := q["is_emergency_slideshow"]; ok {
		filter += " && is_emergency_slideshow = {:e}"
		params["e"] = truthy(v[0])
	}
	rows, err := e.App.FindRecordsByFilter(collections.Slideshows, filter, "name,id", 0, 0, params)
	if err != nil {
		return err
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		if out[i], err = s.Slideshow(r, data); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) getSlideshow(e *core.RequestEvent) error {
	_, r, err := branchRecord(e, collections.Slideshows, "Slideshow")
	if err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Slideshow(r, withData(e, "includeSlideshowData"))
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) createSlideshow(e *core.RequestEvent) error {
	user, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	r, err := collections.NewRecord(e.App, collections.Slideshows)
	if err != nil {
		return err
	}
	r.Set("branch", branch.Id)
	r.Set("created_by", user.Id)
	if err := h.saveSlideshow(e, r, true); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Slideshow(r, true)
	return respond(e, http.StatusCreated, j, err)
}

func (h *handlers) patchSlideshow(e *core.RequestEvent) error {
	_, r, err := branchRecord(e, collections.Slideshows, "Slideshow")
	if err != nil {
		return err
	}
	if err := h.saveSlideshow(e, r, false); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Slideshow(r, true)
	return respond(e, http.StatusOK, j, err)
}

// saveSlideshow applies the request body with the serializer rules shared
// with the editors' WebSocket. An update based on an older revision is a
// 409 with the current slideshow (docs/api.md, "Slideshows").
func (h *handlers) saveSlideshow(e *core.RequestEvent, r *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	_, err = slideshowform.Apply(e.Request.Context(), e.App, r, f, full)
	if _, stale := errors.AsType[*slideshowform.StaleRevisionError](err); stale {
		return h.staleSlideshow(e, r.Id)
	}
	return err
}

// staleSlideshow is the 409 of an update based on an older revision:
// {"detail": ..., "data": <the current Slideshow>}.
func (h *handlers) staleSlideshow(e *core.RequestEvent, id string) error {
	current, err := e.App.FindRecordById(collections.Slideshows, id)
	if err != nil {
		return rest.NotFound("Slideshow")
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Slideshow(current, true)
	if err != nil {
		return err
	}
	return &rest.Error{Status: http.StatusConflict, Body: map[string]any{"detail": slideshowform.MsgStale, "data": j}}
}

func (h *handlers) deleteSlideshow(e *core.RequestEvent) error {
	_, r, err := branchRecord(e, collections.Slideshows, "Slideshow")
	if err != nil {
		return err
	}
	if err := e.App.Delete(r); err != nil {
		return err
	}
	return rest.NoContent(e)
}
