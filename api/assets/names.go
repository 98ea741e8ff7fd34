package assets

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// nameKind describes categories and tags: the same {name, organisation}
// records with upstream's differing messages.
type nameKind struct {
	collection, model, path string
	duplicate               string
	denyCreate, denyUpdate  string
	denyDelete              string
	// lockOrg answers a body "organisation" naming another organisation
	// with a 400 (categories); tags ignore it.
	lockOrg bool
	// inUse is the 400 body key and message of a failed delete (tags).
	inUse string
}

var categories = nameKind{
	collection: collections.Categories, model: "Category", path: "/api/categories/",
	duplicate:  "A category with this name already exists in your organisation.",
	denyCreate: "Only organisation admins can create categories.",
	denyUpdate: "Only organisation admins can update categories.",
	denyDelete: "Only organisation admins can delete categories.",
	lockOrg:    true,
}

var tags = nameKind{
	collection: collections.Tags, model: "Tag", path: "/api/tags/",
	duplicate:  "A tag with this name already exists in your organisation.",
	denyCreate: "Only admins can create tags.",
	denyUpdate: "Only admins can edit tags in their own organisation",
	denyDelete: "Only admins can edit tags in their own organisation",
	inUse:      "Cannot delete tag because it is in use.",
}

func (h *handlers) nameRoutes(r *router.Router[*core.RequestEvent], k nameKind) {
	detail := rest.Methods{http.MethodGet: h.getName(k), http.MethodPatch: h.updateName(k), http.MethodDelete: h.deleteName(k)}
	if k.lockOrg {
		detail[http.MethodPut] = h.updateName(k) // only categories have PUT upstream
	}
	if k.collection == collections.Tags {
		detail = rest.WithLiteral("list", rest.Methods{http.MethodGet: h.searchTags}, detail)
	}
	rest.Route(r, k.path, rest.Methods{http.MethodGet: h.listNames(k), http.MethodPost: h.createName(k)})
	rest.Route(r, k.path+"{pk}/", detail)
}

func (h *handlers) nameJSON(e *core.RequestEvent, status int, r *core.Record) error {
	j, err := h.shaper(e).Category(r)
	if err != nil {
		return err
	}
	return rest.JSON(e, status, j)
}

func (h *handlers) namesJSON(e *core.RequestEvent, rs []*core.Record) error {
	s := h.shaper(e)
	out := make([]any, len(rs))
	for i, r := range rs {
		j, err := s.Category(r)
		if err != nil {
			return err
		}
		out[i] = j
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) listNames(k nameKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, org, err := userOrg(e, readers, msgNoAccess)
		if err != nil {
			return err
		}
		rs, err := e.App.FindAllRecords(k.collection, dbx.HashExp{"organisation": org.Id})
		if err != nil {
			return err
		}
		sortBy(rs, "name")
		return h.namesJSON(e, rs)
	}
}

func (h *handlers) getName(k nameKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, org, err := userOrg(e, readers, msgNoAccess)
		if err != nil {
			return err
		}
		r, err := orgRecord(e, k.collection, org.Id, rest.NotFound(k.model))
		if err != nil {
			return err
		}
		return h.nameJSON(e, http.StatusOK, r)
	}
}

func (h *handlers) createName(k nameKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, org, err := userOrg(e, admins, k.denyCreate)
		if err != nil {
			return err
		}
		r, err := collections.NewRecord(e.App, k.collection)
		if err != nil {
			return err
		}
		r.Set("organisation", org.Id)
		if err := saveName(e, k, r, true); err != nil {
			return err
		}
		return h.nameJSON(e, http.StatusCreated, r)
	}
}

func (h *handlers) updateName(k nameKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, org, err := userOrg(e, admins, k.denyUpdate)
		if err != nil {
			return err
		}
		r, err := orgRecord(e, k.collection, org.Id, rest.NotFound(k.model))
		if err != nil {
			return err
		}
		if err := saveName(e, k, r, e.Request.Method == http.MethodPut); err != nil {
			return err
		}
		return h.nameJSON(e, http.StatusOK, r)
	}
}

func (h *handlers) deleteName(k nameKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, org, err := userOrg(e, admins, k.denyDelete)
		if err != nil {
			return err
		}
		r, err := orgRecord(e, k.collection, org.Id, rest.NotFound(k.model))
		if err != nil {
			return err
		}
		if err := e.App.Delete(r); err != nil {
			if k.inUse != "" {
				return rest.Keyed(http.StatusBadRequest, "message", k.inUse)
			}
			return err
		}
		return rest.NoContent(e)
	}
}

// saveName applies name (unique in the organisation) and saves.
func saveName(e *core.RequestEvent, k nameKind, r *core.Record, full bool) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if k.lockOrg && f.Has("organisation") && !sameOrg(e.App, f.Body["organisation"], r.GetString("organisation")) {
		return rest.Detail(http.StatusBadRequest, "Cannot change category's organisation.")
	}
	name, sent := f.Text("name", 100, full)
	if err := f.Err(); err != nil {
		return err
	}
	if !sent {
		return nil // nothing to change
	}
	r.Set("name", name)
	duplicate := rest.Field("non_field_errors", k.duplicate)
	if taken(e.App, r, "name") {
		return duplicate
	}
	if err := e.App.Save(r); err != nil {
		if taken(e.App, r, "name") {
			return duplicate // lost a race with another request
		}
		return rest.Invalid(err, nil)
	}
	return nil
}

// sameOrg reports whether a body value names the organisation orgID (its
// id, uri_name or name).
func sameOrg(app core.App, v any, orgID string) bool {
	s, ok := rest.Body{"v": v}.String("v")
	if !ok || strings.TrimSpace(s) == "" {
		return false
	}
	org, err := access.ResolveOrganisation(app, s)
	return err == nil && org.Id == orgID
}

// taken reports whether another record of r's organisation has the same
// value of field (the unique (organisation, field) constraints).
func taken(app core.App, r *core.Record, field string) bool {
	other, err := app.FindFirstRecordByFilter(r.Collection().Name,
		"organisation = {:org} && "+field+" = {:v} && id != {:id}",
		dbx.Params{"org": r.GetString("organisation"), "v": r.GetString(field), "id": r.Id})
	return err == nil && other != nil
}

// searchTags is tags/list: the first ten tags whose name contains
// search_query, ignoring case.
func (h *handlers) searchTags(e *core.RequestEvent) error {
	_, org, err := userOrg(e, readers, "You don't have access to this organization.")
	if err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.Tags, dbx.HashExp{"organisation": org.Id})
	if err != nil {
		return err
	}
	sortBy(rs, "name")
	q := strings.ToLower(e.Request.URL.Query().Get("search_query"))
	found := rs[:0]
	for _, r := range rs {
		if len(found) < 10 && strings.Contains(strings.ToLower(r.GetString("name")), q) {
			found = append(found, r)
		}
	}
	return h.namesJSON(e, found)
}
