package api

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/schedule"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Recently edited content": the dashboard's lists.
func (h *handlers) latestRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/branch/latest-edited-slideshows/", rest.Methods{http.MethodGet: latestEdited(collections.Slideshows)})
	rest.Route(r, "/api/branch/latest-edited-playlists/", rest.Methods{http.MethodGet: latestEdited(collections.Playlists)})
}

// latestEditedPageSize is upstream's fixed page size.
const latestEditedPageSize = 20

// latestEdited pages through a branch's records, most recently edited
// first; last_edited is the raw UTC isoformat, as upstream wrote it by hand.
func latestEdited(collection string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, branch, err := userAndBranch(e)
		if err != nil {
			return err
		}
		var rows []struct {
			ID        string `db:"id"`
			Name      string `db:"name"`
			UpdatedAt string `db:"updated_at"`
		}
		err = e.App.DB().Select("id", "name", "updated_at").From(collection).
			Where(dbx.HashExp{"branch": branch.Id}).OrderBy("updated_at DESC", "id DESC").All(&rows)
		if err != nil {
			return err
		}
		items := make([]any, len(rows))
		for i, r := range rows {
			var edited any
			if t, err := parseStored(r.UpdatedAt); err == nil {
				edited = schedule.IsoFormat(t.UTC())
			}
			items[i] = map[string]any{"id": shape.ID(r.ID), "name": r.Name, "last_edited": edited}
		}
		page := rest.Paginate(items, e.Request.URL.Query().Get("page"), "", latestEditedPageSize)
		return rest.JSON(e, http.StatusOK, page)
	}
}
