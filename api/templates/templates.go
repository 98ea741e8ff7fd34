// Package templates serves the slide templates of docs/api.md,
// "Slide templates": organisation templates, their suborganisation copies and
// the global template store managed by super admins.
package templates

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
	"github.com/openstream-go/openstream/shape"
)

// Config is what the handlers need from the environment.
type Config struct {
	Settings settings.Settings
}

type handlers struct{ cfg Config }

// Mount adds the template routes to r.
func Mount(r *router.Router[*core.RequestEvent], cfg Config) {
	h := &handlers{cfg: cfg}
	rest.Route(r, "/api/slide-templates/", rest.Methods{http.MethodGet: rest.Authed(h.listOrgTemplates), http.MethodPost: rest.Authed(h.createOrgTemplate)})
	rest.Route(r, "/api/slide-templates/{pk}/", rest.Methods{
		http.MethodGet: h.getOrgTemplate, http.MethodPatch: h.patchOrgTemplate, http.MethodDelete: h.deleteOrgTemplate,
	})
	rest.Route(r, "/api/suborg-templates/", rest.Methods{http.MethodGet: rest.Authed(h.listSuborgTemplates), http.MethodPost: rest.Authed(h.copyToSuborg)})
	rest.Route(r, "/api/suborg-templates/{pk}/", rest.Methods{
		http.MethodGet: h.getSuborgTemplate, http.MethodPatch: h.patchSuborgTemplate, http.MethodDelete: h.deleteSuborgTemplate,
	})
	rest.Route(r, "/api/global-templates/", rest.Methods{http.MethodGet: rest.Authed(h.listGlobal), http.MethodPost: rest.Authed(h.createGlobal)})
	rest.Route(r, "/api/global-templates/{pk}/", rest.WithLiteral("permissions",
		rest.Methods{http.MethodGet: rest.Authed(h.globalPermissions)},
		rest.Methods{http.MethodGet: h.getGlobal, http.MethodPatch: rest.Authed(h.patchGlobal), http.MethodDelete: rest.Authed(h.deleteGlobal)}))
}

func (h *handlers) shaper(e *core.RequestEvent) *shape.Shaper {
	return shape.New(e.App, h.cfg.Settings.TimeZone)
}

// Upstream's 403 messages.
const (
	msgNotAllowed      = "Not allowed."
	msgNotAuthToDelete = "Not authorized to delete this template."
	msgSuperAdminsOnly = "Only super admins can manage global templates."
	msgNotAuthToSuborg = "Not authorized to create templates for this suborganisation."
)

// gate turns a predicate's answer into nil, its error, or a 403 with msg:
// gate(msg)(access.IsOrgAdminIn(...)).
func gate(msg string) func(ok bool, err error) error {
	return func(ok bool, err error) error {
		if err != nil {
			return err
		}
		if !ok {
			return rest.Detail(http.StatusForbidden, msg)
		}
		return nil
	}
}

// queryOrg resolves the organisation_id query parameter.
func queryOrg(e *core.RequestEvent) (*core.Record, error) {
	ident := e.Request.URL.Query().Get("organisation_id")
	if ident == "" {
		return nil, rest.Detail(http.StatusBadRequest, "organisation_id query param is required.")
	}
	org, err := access.ResolveOrganisation(e.App, ident)
	if errors.Is(err, access.ErrNotFound) {
		return nil, rest.Detail(http.StatusNotFound, "Organization not found.")
	}
	return org, err
}

// compareIDs orders numeric ids (digits without leading zeros).
func compareIDs(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// sortByName is upstream's ordering "name", ties by id.
func sortByName(rs []*core.Record) {
	slices.SortFunc(rs, func(a, b *core.Record) int {
		if c := strings.Compare(a.GetString("name"), b.GetString("name")); c != 0 {
			return c
		}
		return compareIDs(a.Id, b.Id)
	})
}

// one renders a template.
func (h *handlers) one(e *core.RequestEvent, status int, r *core.Record) error {
	j, err := h.shaper(e).SlideTemplate(r)
	if err != nil {
		return err
	}
	return rest.JSON(e, status, j)
}

// list renders templates in the given order.
func (h *handlers) list(e *core.RequestEvent, records []*core.Record) error {
	s := h.shaper(e)
	out := make([]any, len(records))
	for i, r := range records {
		j, err := s.SlideTemplate(r)
		if err != nil {
			return err
		}
		out[i] = j
	}
	return rest.JSON(e, http.StatusOK, out)
}
