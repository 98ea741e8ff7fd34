package api

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Playlists": playlists and their items.
func (h *handlers) playlistRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/slideshow-playlists/", rest.Methods{http.MethodGet: h.listPlaylists, http.MethodPost: h.createPlaylist})
	rest.Route(r, "/api/slideshow-playlists/{pk}/", rest.Methods{
		http.MethodGet: h.getPlaylist, http.MethodPut: h.putPlaylist, http.MethodDelete: h.deletePlaylist,
	})
	rest.Route(r, "/api/slideshow-playlist-items/", rest.Methods{http.MethodGet: rest.Authed(h.listPlaylistItems), http.MethodPost: rest.Authed(h.createPlaylistItem)})
	rest.Route(r, "/api/slideshow-playlist-items/{pk}/", rest.Methods{
		http.MethodPatch: h.patchPlaylistItem, http.MethodPut: h.patchPlaylistItem, http.MethodDelete: h.deletePlaylistItem,
	})
}

func (h *handlers) listPlaylists(e *core.RequestEvent) error {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	if raw := e.Request.URL.Query().Get("id"); raw != "" {
		p, err := rest.FindByID(e.App, collections.Playlists, raw)
		if err != nil || p.GetString("branch") != branch.Id {
			return rest.NotFound("SlideshowPlaylist")
		}
		j, err := s.Playlist(p)
		return respond(e, http.StatusOK, j, err)
	}
	rows, err := e.App.FindRecordsByFilter(collections.Playlists, "branch = {:b}", "name,id", 0, 0, dbx.Params{"b": branch.Id})
	if err != nil {
		return err
	}
	out := make([]any, len(rows))
	for i, p := range rows {
		if out[i], err = s.Playlist(p); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) getPlaylist(e *core.RequestEvent) error {
	_, p, err := branchRecord(e, collections.Playlists, "SlideshowPlaylist")
	if err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Playlist(p)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) createPlaylist(e *core.RequestEvent) error {
	user, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	p, err := collections.NewRecord(e.App, collections.Playlists)
	if err != nil {
		return err
	}
	p.Set("branch", branch.Id)
	p.Set("created_by", user.Id)
	if err := h.savePlaylist(e, p); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Playlist(p)
	return respond(e, http.StatusCreated, j, err)
}

// putPlaylist: the frontend renames with a PUT of {name} alone, so fields
// left out keep their values (name is still required, as in a full PUT).
// Changing aspect_ratio does not re-check the items, as upstream.
func (h *handlers) putPlaylist(e *core.RequestEvent) error {
	_, p, err := branchRecord(e, collections.Playlists, "SlideshowPlaylist")
	if err != nil {
		return err
	}
	if err := h.savePlaylist(e, p); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Playlist(p)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) savePlaylist(e *core.RequestEvent, p *core.Record) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, true); ok {
		p.Set("name", v)
	}
	if v, ok := f.Text("aspect_ratio", 10, false); ok {
		p.Set("aspect_ratio", v)
	}
	if v, ok := f.PK("created_by", collections.Users, false); ok {
		p.Set("created_by", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(p); err != nil {
		return rest.Invalid(err, nil)
	}
	return nil
}

func (h *handlers) deletePlaylist(e *core.RequestEvent) error {
	_, p, err := branchRecord(e, collections.Playlists, "SlideshowPlaylist")
	if err != nil {
		return err
	}
	if err := e.App.Delete(p); err != nil {
		return err
	}
	return rest.NoContent(e)
}

// mayUseBranch is can_access_branch, else 403 with msg.
func mayUseBranch(app core.App, user *core.Record, branchID, msg string) error {
	ok, err := access.CanAccessBranch(app, user.Id, branchID)
	if err != nil {
		return err
	}
	if !ok {
		return rest.Detail(http.StatusForbidden, msg)
	}
	return nil
}

func (h *handlers) listPlaylistItems(e *core.RequestEvent, user *core.Record) error {
	raw := e.Request.URL.Query().Get("playlist_id")
	if raw == "" {
		return rest.Detail(http.StatusBadRequest, "playlist_id is required.")
	}
	p, err := rest.FindByID(e.App, collections.Playlists, raw)
	if err != nil {
		return rest.JSON(e, http.StatusOK, []any{}) // no such playlist: no items
	}
	if err := mayUseBranch(e.App, user, p.GetString("branch"), "Not allowed to view this playlist."); err != nil {
		return err
	}
	items, err := shape.PlaylistItems(e.App, p.Id)
	if err != nil {
		return err
	}
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	out := make([]any, len(items))
	for i, it := range items {
		if out[i], err = s.PlaylistItem(it); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) createPlaylistItem(e *core.RequestEvent, user *core.Record) error {
	it, err := collections.NewRecord(e.App, collections.PlaylistItems)
	if err != nil {
		return err
	}
	if err := h.savePlaylistItem(e, user, it, true, "Not allowed to modify this branch content."); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).PlaylistItem(it)
	return respond(e, http.StatusCreated, j, err)
}

func (h *handlers) patchPlaylistItem(e *core.RequestEvent) error {
	user, it, err := rest.UserAndRecord(e, collections.PlaylistItems, "SlideshowPlaylistItem")
	if err != nil {
		return err
	}
	p, err := e.App.FindRecordById(collections.Playlists, it.GetString("slideshow_playlist"))
	if err != nil {
		return rest.NotFound("SlideshowPlaylistItem")
	}
	if err := mayUseBranch(e.App, user, p.GetString("branch"), msgNotAllowed); err != nil {
		return err
	}
	if err := h.savePlaylistItem(e, user, it, e.Request.Method == http.MethodPut, msgNotAllowed); err != nil {
		return err
	}
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).PlaylistItem(it)
	return respond(e, http.StatusOK, j, err)
}

// savePlaylistItem: the caller must access the (new) playlist's branch, and
// the slideshow must be in that branch. Interactive slideshows and ratio
// mismatches are the model's rules (hooks/playlist.go).
func (h *handlers) savePlaylistItem(e *core.RequestEvent, user, it *core.Record, full bool, denied string) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	if v, ok := f.PK("slideshow_playlist", collections.Playlists, full); ok && v != "" {
		it.Set("slideshow_playlist", v)
	}
	if v, ok := f.PK("slideshow", collections.Slideshows, full); ok && v != "" {
		it.Set("slideshow", v)
	}
	if v, ok := f.Integer("position", 1); ok {
		it.Set("position", v)
	}
	for _, key := range []string{"slideshow_playlist", "slideshow"} {
		if raw, ok := f.Body[key]; ok && raw == nil {
			f.Fail(key, "This field may not be null.")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	p, err := e.App.FindRecordById(collections.Playlists, it.GetString("slideshow_playlist"))
	if err != nil {
		return err
	}
	if err := mayUseBranch(e.App, user, p.GetString("branch"), denied); err != nil {
		return err
	}
	s, err := e.App.FindRecordById(collections.Slideshows, it.GetString("slideshow"))
	if err != nil {
		return err
	}
	if s.GetString("branch") != p.GetString("branch") {
		return rest.Detail(http.StatusBadRequest, "Slideshow and playlist must be in the same branch.")
	}
	if err := e.App.Save(it); err != nil {
		return rest.Invalid(err, nil, "slideshow", "slideshow_playlist")
	}
	return nil
}

func (h *handlers) deletePlaylistItem(e *core.RequestEvent) error {
	user, it, err := rest.UserAndRecord(e, collections.PlaylistItems, "SlideshowPlaylistItem")
	if err != nil {
		return err
	}
	p, err := e.App.FindRecordById(collections.Playlists, it.GetString("slideshow_playlist"))
	if err == nil {
		if err := mayUseBranch(e.App, user, p.GetString("branch"), msgNotAllowed); err != nil {
			return err
		}
	}
	if err := e.App.Delete(it); err != nil {
		return err
	}
	return rest.NoContent(e)
}
