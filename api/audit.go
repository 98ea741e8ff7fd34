package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Audit trail": the audit events of an organisation, newest
// first, for its org admins (super admins: any, or all).
func (h *handlers) auditRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/audit-events/", rest.Methods{http.MethodGet: rest.Authed(h.listAuditEvents)})
}

const (
	auditPageSize    = 20
	auditMaxPageSize = 100
)

func (h *handlers) listAuditEvents(e *core.RequestEvent, user *core.Record) error {
	q := e.Request.URL.Query()
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	query := e.App.RecordQuery(collections.AuditEvents)
	switch ident := strings.TrimSpace(q.Get("org_id")); {
	case ident == "" && !super:
		return rest.Detail(http.StatusBadRequest, "org_id is required.")
	case ident != "":
		org, err := access.ResolveOrganisation(e.App, ident)
		switch {
		case errors.Is(err, access.ErrNotFound) && super && isDigits(ident):
			query.AndWhere(dbx.HashExp{"organisation": ident}) // a deleted organisation's trail
		case errors.Is(err, access.ErrNotFound):
			return rest.NotFound("Organisation")
		case err != nil:
			return err
		default:
			admin, err := access.IsOrgAdminIn(e.App, user.Id, org.Id)
			if err != nil {
				return err
			}
			if !admin {
				return rest.PermissionDenied()
			}
			query.AndWhere(dbx.HashExp{"organisation": org.Id})
		}
	}
	for _, f := range []string{"action", "target_collection", "target_id", "actor"} {
		if v := q.Get(f); v != "" {
			query.AndWhere(dbx.HashExp{f: v})
		}
	}
	var total int
	if err := query.Select("COUNT(*)").Row(&total); err != nil {
		return err
	}
	page := pageOf(total, q.Get("page"), q.Get("page_size"))
	var rows []*core.Record
	err = query.Select(collections.AuditEvents+".*").OrderBy("created DESC", "rowid DESC").
		Limit(int64(page.ItemsPerPage)).Offset(int64((page.CurrentPage - 1) * page.ItemsPerPage)).All(&rows)
	if err != nil {
		return err
	}
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	page.Results = make([]any, len(rows))
	for i, r := range rows {
		var org any
		if o := r.GetString("organisation"); o != "" {
			org = shape.ID(o)
		}
		page.Results[i] = map[string]any{
			"id": shape.ID(r.Id), "created_at": s.DateTime(r.GetDateTime("created")),
			"actor": r.GetString("actor"), "actor_name": r.GetString("actor_name"), "action": r.GetString("action"),
			"target_collection": r.GetString("target_collection"), "target_id": shape.ID(r.GetString("target_id")),
			"organisation": org, "instance": r.GetString("instance"), "ip": r.GetString("ip"), "details": r.Get("details"),
		}
	}
	return rest.JSON(e, http.StatusOK, page)
}

// pageOf is rest.Paginate's envelope for a list counted in the database:
// page as Python's int() reads it, a page out of range is the last page.
func pageOf(total int, rawPage, rawSize string) rest.Page {
	n, err := strconv.Atoi(strings.TrimSpace(rawPage))
	if err != nil {
		n = 1
	}
	per, err := strconv.Atoi(strings.TrimSpace(rawSize))
	if err != nil || per < 1 {
		per = auditPageSize
	}
	per = min(per, auditMaxPageSize)
	pages := max((total+per-1)/per, 1)
	if n < 1 || n > pages {
		n = pages
	}
	p := rest.Page{Count: total, NumPages: pages, CurrentPage: n, ItemsPerPage: per, Results: []any{}}
	if n < pages {
		next := n + 1
		p.Next = &next
	}
	if n > 1 {
		prev := n - 1
		p.Previous = &prev
	}
	return p
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
