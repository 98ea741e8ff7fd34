package api

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Screen groups": display-website groups. Deleting a group keeps
// its screens: they are detached (no group) and their players go back to the
// registration page to wait for a new one, instead of upstream's cascade
// that deleted the screens and left the players on an error page.
func (h *handlers) groupRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/display-website-groups/", rest.Methods{http.MethodGet: h.listGroups, http.MethodPost: h.createGroup})
	rest.Route(r, "/api/display-website-groups/{pk}/", rest.Methods{
		http.MethodGet: h.getGroup, http.MethodPatch: rest.Authed(h.patchGroup), http.MethodPut: rest.Authed(h.patchGroup), http.MethodDelete: h.deleteGroup,
	})
}

func (h *handlers) listGroups(e *core.RequestEvent) error {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	gs, err := e.App.FindAllRecords(collections.DisplayWebsiteGroups, dbx.HashExp{"branch": branch.Id})
	if err != nil {
		return err
	}
	sortByID(gs)
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	out := make([]any, len(gs))
	for i, g := range gs {
		if out[i], err = s.Group(g); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) groupJSON(e *core.RequestEvent, status int, g *core.Record) error {
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Group(g)
	if err != nil {
		return err
	}
	return rest.JSON(e, status, j)
}

func (h *handlers) getGroup(e *core.RequestEvent) error {
	_, g, err := branchRecord(e, collections.DisplayWebsiteGroups, "DisplayWebsiteGroup")
	if err != nil {
		return err
	}
	return h.groupJSON(e, http.StatusOK, g)
}

func (h *handlers) createGroup(e *core.RequestEvent) error {
	user, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	g, err := collections.NewRecord(e.App, collections.DisplayWebsiteGroups)
	if err != nil {
		return err
	}
	g.Set("branch", branch.Id)
	if err := h.saveGroup(e, user, g, true); err != nil {
		return err
	}
	return h.groupJSON(e, http.StatusCreated, g)
}

func (h *handlers) patchGroup(e *core.RequestEvent, user *core.Record) error {
	_, g, err := branchRecord(e, collections.DisplayWebsiteGroups, "DisplayWebsiteGroup")
	if err != nil {
		return err
	}
	if err := h.saveGroup(e, user, g, e.Request.Method == http.MethodPut); err != nil {
		return err
	}
	return h.groupJSON(e, http.StatusOK, g)
}

// saveGroup applies the writable fields. Setting one default without
// mentioning the other clears the other, as upstream's serializer does;
// the result must have exactly one.
func (h *handlers) saveGroup(e *core.RequestEvent, user, g *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, full); ok {
		g.Set("name", v)
	}
	if v, ok := f.Text("aspect_ratio", 10, false); ok {
		g.Set("aspect_ratio", v)
	}
	slideshow, hasSlideshow := f.BranchPK("default_slideshow_id", collections.Slideshows, user.Id, false)
	playlist, hasPlaylist := f.BranchPK("default_playlist_id", collections.Playlists, user.Id, false)
	if err := f.Err(); err != nil {
		return err
	}
	if hasSlideshow {
		g.Set("default_slideshow", slideshow)
		if slideshow != "" && !hasPlaylist {
			g.Set("default_playlist", "")
		}
	}
	if hasPlaylist {
		g.Set("default_playlist", playlist)
		if playlist != "" && !hasSlideshow {
			g.Set("default_slideshow", "")
		}
	}
	if (g.GetString("default_slideshow") == "") == (g.GetString("default_playlist") == "") {
		return rest.Field("non_field_errors", hooks.MsgExactlyOneDefault)
	}
	if err := e.App.Save(g); err != nil {
		return rest.Invalid(err, nil, "default_slideshow", "default_playlist", "aspect_ratio", "branch")
	}
	return nil
}

func (h *handlers) deleteGroup(e *core.RequestEvent) error {
	_, g, err := branchRecord(e, collections.DisplayWebsiteGroups, "DisplayWebsiteGroup")
	if err != nil {
		return err
	}
	if err := e.App.Delete(g); err != nil {
		return err
	}
	return rest.NoContent(e)
}
