// Package assets serves an organisation's assets (docs/api.md, "Assets"):
// categories, tags, custom colours and fonts, text-formatting settings,
// the registered slide types and the branches' URL collections.
package assets

import (
	"cmp"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
	"github.com/openstream-go/openstream/shape"
)

// Config is what the handlers need from the environment: the public
// address of stored fonts comes from Settings.
type Config struct {
	Settings settings.Settings
}

type handlers struct{ cfg Config }

// Mount adds the asset routes to r.
func Mount(r *router.Router[*core.RequestEvent], cfg Config) {
	h := &handlers{cfg: cfg}
	h.nameRoutes(r, categories)
	h.nameRoutes(r, tags)
	rest.Route(r, "/api/custom-colors/", rest.Methods{http.MethodGet: h.listColors, http.MethodPost: h.createColor})
	rest.Route(r, "/api/custom-colors/{pk}/", rest.Methods{http.MethodPatch: h.patchColor, http.MethodDelete: h.deleteColor})
	rest.Route(r, "/api/fonts/", rest.Methods{http.MethodGet: h.listFonts, http.MethodPost: h.createFont})
	rest.Route(r, "/api/fonts/{pk}/", rest.Methods{http.MethodGet: h.getFont, http.MethodPatch: h.patchFont, http.MethodDelete: h.deleteFont})
	rest.Route(r, "/api/text-formatting-settings/", rest.Methods{http.MethodGet: h.getTextFmt, http.MethodPatch: h.patchTextFmt})
	rest.Route(r, "/api/organisations/slide-types/", rest.Methods{http.MethodGet: h.slideTypes})
	rest.Route(r, "/api/branch-url-items/", rest.Methods{http.MethodGet: h.listURLItems, http.MethodPost: h.createURLItem})
	rest.Route(r, "/api/branch-url-items/{pk}/", rest.Methods{
		http.MethodGet: h.getURLItem, http.MethodPatch: h.patchURLItem, http.MethodDelete: h.deleteURLItem,
	})
}

func (h *handlers) shaper(e *core.RequestEvent) *shape.Shaper {
	return shape.New(e.App, h.cfg.Settings.TimeZone)
}

// msgNoAccess is the 403 of the read ("R") endpoints.
const msgNoAccess = "You don't have permission to access this organization."

// queryOrg resolves the organisation_id query parameter; a body value is
// never used (upstream ignores or overwrites it).
func queryOrg(e *core.RequestEvent) (*core.Record, error) {
	ident := e.Request.URL.Query().Get("organisation_id")
	if ident == "" {
		return nil, rest.Detail(http.StatusBadRequest, "organisation_id parameter is required.")
	}
	org, err := access.ResolveOrganisation(e.App, ident)
	if errors.Is(err, access.ErrNotFound) {
		return nil, rest.Detail(http.StatusNotFound, "Organization not found.")
	}
	return org, err
}

// predicate is one of the access package's organisation rules.
type predicate func(app core.App, userID, orgID string) (bool, error)

// readers and admins are the read and write rules of docs/api.md, "Assets":
// members read, org admins write.
var (
	readers predicate = access.BelongsToOrg
	admins  predicate = access.IsOrgAdminIn
)

// userOrg is the start of every JWT handler: the signed-in user, the
// organisation of the query, and the rule, whose refusal is a 403 with denied.
func userOrg(e *core.RequestEvent, rule predicate, denied string) (*core.Record, *core.Record, error) {
	user, err := rest.RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	org, err := queryOrg(e)
	if err != nil {
		return nil, nil, err
	}
	ok, err := rule(e.App, user.Id, org.Id)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, rest.Detail(http.StatusForbidden, denied)
	}
	return user, org, nil
}

// orgRecord finds the record the path names inside the organisation; one
// of another organisation is missing, answered with notFound.
func orgRecord(e *core.RequestEvent, collection, orgID string, notFound error) (*core.Record, error) {
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return nil, err
	}
	r, err := e.App.FindRecordById(collection, id)
	if err != nil || r.GetString("organisation") != orgID {
		return nil, notFound
	}
	return r, nil
}

// compareIDs orders numeric ids (digits without leading zeros).
func compareIDs(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// sortBy orders records by the given fields (number fields as numbers,
// the others as text), ties by id.
func sortBy(rs []*core.Record, fields ...string) {
	slices.SortFunc(rs, func(a, b *core.Record) int {
		for _, f := range fields {
			var c int
			if _, isNumber := a.Collection().Fields.GetByName(f).(*core.NumberField); isNumber {
				c = cmp.Compare(a.GetInt(f), b.GetInt(f))
			} else {
				c = strings.Compare(a.GetString(f), b.GetString(f))
			}
			if c != 0 {
				return c
			}
		}
		return compareIDs(a.Id, b.Id)
	})
}

// branchOrg is the organisation id of a branch (through its suborganisation).
func branchOrg(app core.App, branchID string) (string, error) {
	var org string
	err := app.DB().Select("s.organisation").From(collections.Branches+" b").
		InnerJoin(collections.Suborganisations+" s", dbx.NewExp("s.id = b.suborganisation")).
		Where(dbx.HashExp{"b.id": branchID}).Row(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return org, err
}

// objects renders records with fn.
func objects(rs []*core.Record, fn func(*core.Record) shape.Object) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = fn(r)
	}
	return out
}
