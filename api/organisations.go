package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/rest"
)

// The endpoints of docs/api.md,
// "Organisations, suborganisations and branches".
func (h *handlers) organisationRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/organisations/", rest.Methods{http.MethodGet: rest.Authed(h.listOrganisations)})
	rest.Route(r, "/api/organisations/{org}/name/", rest.Methods{http.MethodGet: h.organisationName})
	rest.Route(r, "/api/suborganisations/", rest.Methods{http.MethodGet: rest.Authed(h.listSuborgs), http.MethodPost: rest.Authed(h.createSuborg)})
	rest.Route(r, "/api/suborganisations/{pk}/", rest.Methods{http.MethodGet: h.getSuborg, http.MethodPatch: h.patchSuborg, http.MethodDelete: h.deleteSuborg})
	rest.Route(r, "/api/suborganisations/{pk}/name/", rest.Methods{http.MethodGet: h.suborgName})
	rest.Route(r, "/api/branches/", rest.Methods{http.MethodGet: rest.Authed(h.listBranches), http.MethodPost: rest.Authed(h.createBranch)})
	rest.Route(r, "/api/branches/{pk}/", rest.Methods{http.MethodGet: h.getBranch, http.MethodPatch: h.patchBranch, http.MethodDelete: h.deleteBranch})
	rest.Route(r, "/api/branches/{pk}/name/", rest.Methods{http.MethodGet: rest.Authed(h.branchName)})
	rest.Route(r, "/api/user/suborganisations/", rest.Methods{http.MethodGet: rest.Authed(h.userSuborgs)})
}

// memberships returns all membership rows of userID.
func memberships(app core.App, userID string) ([]*core.Record, error) {
	return app.FindAllRecords(collections.Memberships, dbx.HashExp{"user": userID})
}

func (h *handlers) listOrganisations(e *core.RequestEvent, user *core.Record) error {
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	q := e.App.RecordQuery(collections.Organisations).OrderBy("name ASC", "id ASC")
	if !super {
		q.AndWhere(dbx.NewExp("[[id]] IN (SELECT [[organisation]] FROM {{"+collections.Memberships+"}} WHERE [[user]] = {:u})", dbx.Params{"u": user.Id}))
	}
	var orgs []*core.Record
	if err := q.All(&orgs); err != nil {
		return err
	}
	out := make([]any, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, orgJSON(o))
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) organisationName(e *core.RequestEvent) error {
	user, org, err := userAndPathOrganisation(e, "Organization not found.")
	if err != nil {
		return err
	}
	if ok, err := access.BelongsToOrg(e.App, user.Id, org.Id); err != nil || !ok {
		return orDeny(err, rest.Detail(http.StatusForbidden, "Not allowed."))
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"name": org.GetString("name")})
}

// orDeny returns err when there is one, else the refusal.
func orDeny(err error, deny *rest.Error) error {
	if err != nil {
		return err
	}
	return deny
}

func (h *handlers) listSuborgs(e *core.RequestEvent, user *core.Record) error {
	ident := e.Request.URL.Query().Get("org_id")
	if strings.TrimSpace(ident) == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Please provide an 'org_id' query parameter.")
	}
	org, err := access.ResolveOrganisation(e.App, ident)
	if errors.Is(err, access.ErrNotFound) {
		return rest.Keyed(http.StatusNotFound, "error", "Organisation '"+ident+"' not found.")
	}
	if err != nil {
		return err
	}
	admin, err := access.IsOrgAdminIn(e.App, user.Id, org.Id)
	if err != nil {
		return err
	}
	q := e.App.RecordQuery(collections.Suborganisations).AndWhere(dbx.HashExp{"organisation": org.Id}).OrderBy("name ASC", "id ASC")
	if !admin {
		q.AndWhere(dbx.NewExp("[[id]] IN (SELECT [[suborganisation]] FROM {{"+collections.Memberships+"}} WHERE [[user]] = {:u} AND [[role]] = {:r})",
			dbx.Params{"u": user.Id, "r": collections.RoleSuborgAdmin}))
	}
	var subs []*core.Record
	if err := q.All(&subs); err != nil {
		return err
	}
	out := make([]any, 0, len(subs))
	for _, s := range subs {
		j, err := suborgJSON(e.App, s)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) createSuborg(e *core.RequestEvent, user *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	n, _ := f.Text("name", 255, true)
	var org *core.Record
	if ident, ok := f.Body.String("organisation_id"); !ok || strings.TrimSpace(ident) == "" {
		f.Fail("organisation_id", rest.MsgRequired)
	} else if org, err = access.ResolveOrganisation(e.App, ident); errors.Is(err, access.ErrNotFound) {
		f.Fail("organisation_id", "Organisation not found for the supplied identifier.")
	} else if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	if ok, err := access.IsOrgAdminIn(e.App, user.Id, org.Id); err != nil || !ok {
		return orDeny(err, rest.Keyed(http.StatusForbidden, "error", "You must be org_admin for this organisation or super_admin."))
	}
	s, err := collections.NewRecord(e.App, collections.Suborganisations)
	if err != nil {
		return err
	}
	s.Set("name", n)
	s.Set("organisation", org.Id)
	if err := e.App.Save(s); err != nil {
		return rest.Invalid(err, nil)
	}
	j, err := suborgJSON(e.App, s)
	return respond(e, http.StatusCreated, j, err)
}

// suborgFor loads the path's suborganisation and checks the caller against
// allowed, whose argument is the suborganisation; refusal is the 403 body.
func suborgFor(e *core.RequestEvent, allowed func(app core.App, userID string, s *core.Record) (bool, error), refusal *rest.Error) (*core.Record, error) {
	user, s, err := rest.UserAndRecord(e, collections.Suborganisations, "SubOrganisation")
	if err != nil {
		return nil, err
	}
	if ok, err := allowed(e.App, user.Id, s); err != nil || !ok {
		return nil, orDeny(err, refusal)
	}
	return s, nil
}

// The suborganisation checks of the routes below.
func canManage(app core.App, userID string, s *core.Record) (bool, error) {
	return access.CanManageSuborg(app, userID, s.Id)
}

func orgAdminOfSuborg(app core.App, userID string, s *core.Record) (bool, error) {
	return access.IsOrgAdminIn(app, userID, s.GetString("organisation"))
}

func memberOfSuborgOrg(app core.App, userID string, s *core.Record) (bool, error) {
	return access.BelongsToOrg(app, userID, s.GetString("organisation"))
}

var errSuborgNotAllowed = rest.Keyed(http.StatusForbidden, "error", "Not allowed.")

// respond answers the serialised record, or the error that serialising it gave.
func respond(e *core.RequestEvent, status int, body map[string]any, err error) error {
	if err != nil {
		return err
	}
	return rest.JSON(e, status, body)
}

func (h *handlers) getSuborg(e *core.RequestEvent) error {
	s, err := suborgFor(e, canManage, errSuborgNotAllowed)
	if err != nil {
		return err
	}
	j, err := suborgJSON(e.App, s)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) patchSuborg(e *core.RequestEvent) error {
	s, err := suborgFor(e, canManage, errSuborgNotAllowed)
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if ident, ok := f.Body.String("organisation_id"); ok && ident != "" {
		if org, err := access.ResolveOrganisation(e.App, ident); err == nil && org.Id != s.GetString("organisation") {
			return rest.Keyed(http.StatusBadRequest, "error", "Cannot change organisation.")
		}
	}
	n, _ := f.Text("name", 255, false)
	if err := f.Err(); err != nil {
		return err
	}
	if n != "" {
		s.Set("name", n)
		if err := e.App.Save(s); err != nil {
			return rest.Invalid(err, nil)
		}
	}
	j, err := suborgJSON(e.App, s)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) deleteSuborg(e *core.RequestEvent) error {
	s, err := suborgFor(e, orgAdminOfSuborg, rest.Keyed(http.StatusForbidden, "error", "You must be org_admin or super_admin to delete this suborg."))
	if err != nil {
		return err
	}
	if err := e.App.DeleteWithContext(audit.Request(e), s); err != nil {
		return err
	}
	return rest.NoContent(e)
}

func (h *handlers) suborgName(e *core.RequestEvent) error {
	s, err := suborgFor(e, memberOfSuborgOrg, rest.Detail(http.StatusForbidden, "Not allowed."))
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"name": s.GetString("name")})
}

// accessibleBranches keeps the branches user may access: upstream listed every
// branch of the organisation to anyone with one branch.
func accessibleBranches(app core.App, userID string, bs []*core.Record) ([]*core.Record, error) {
	out := bs[:0:0]
	for _, b := range bs {
		ok, err := access.CanAccessBranch(app, userID, b.Id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, b)
		}
	}
	return out, nil
}

func (h *handlers) listBranches(e *core.RequestEvent, user *core.Record) error {
	q := e.Request.URL.Query()
	var bs []*core.Record
	switch {
	case q.Get("branch_id") != "":
		id, ok := collections.ParseID(q.Get("branch_id"))
		if !ok {
			return rest.Detail(http.StatusNotFound, "Branch not found.")
		}
		b, err := e.App.FindRecordById(collections.Branches, id)
		if err != nil {
			return rest.Detail(http.StatusNotFound, "Branch not found.")
		}
		if ok, err := access.CanAccessBranch(e.App, user.Id, b.Id); err != nil || !ok {
			return orDeny(err, rest.Detail(http.StatusForbidden, "User cannot access the specified branch."))
		}
		err = e.App.RecordQuery(collections.Branches).
			InnerJoin("{{"+collections.Suborganisations+"}} s", dbx.NewExp("s.id = [["+collections.Branches+".suborganisation]]")).
			AndWhere(dbx.NewExp("s.organisation = (SELECT organisation FROM {{"+collections.Suborganisations+"}} WHERE id = {:s})", dbx.Params{"s": b.GetString("suborganisation")})).
			OrderBy("[[" + collections.Branches + ".name]] ASC").All(&bs)
		if err != nil {
			return err
		}
	case q.Get("suborg_id") != "":
		id, ok := collections.ParseID(q.Get("suborg_id"))
		if !ok {
			return rest.Detail(http.StatusNotFound, "SubOrganisation not found.")
		}
		s, err := e.App.FindRecordById(collections.Suborganisations, id)
		if err != nil {
			return rest.Detail(http.StatusNotFound, "SubOrganisation not found.")
		}
		ok, err = access.CanManageSuborg(e.App, user.Id, s.Id)
		if err != nil {
			return err
		}
		if !ok {
			ms, err := e.App.FindAllRecords(collections.Memberships, dbx.HashExp{"user": user.Id, "suborganisation": s.Id})
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				return rest.Detail(http.StatusForbidden, "User cannot access this sub-organisation's branches.")
			}
		}
		if err := e.App.RecordQuery(collections.Branches).AndWhere(dbx.HashExp{"suborganisation": s.Id}).OrderBy("name ASC").All(&bs); err != nil {
			return err
		}
	default:
		return rest.Detail(http.StatusBadRequest, "Either branch_id or suborg_id must be provided.")
	}
	bs, err := accessibleBranches(e.App, user.Id, bs)
	if err != nil {
		return err
	}
	out, err := branchesJSON(e.App, bs)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) createBranch(e *core.RequestEvent, user *core.Record) error {
	s, err := rest.SuborgFromRequest(e, user)
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	n, _ := f.Text("name", 255, true)
	if err := f.Err(); err != nil {
		return err
	}
	b, err := collections.NewRecord(e.App, collections.Branches)
	if err != nil {
		return err
	}
	b.Set("name", n)
	b.Set("suborganisation", s.Id)
	if err := e.App.Save(b); err != nil {
		return branchSaveError(err)
	}
	j, err := branchJSON(e.App, b)
	return respond(e, http.StatusCreated, j, err)
}

// branchSaveError words the duplicate-name error as upstream's serializer.
func branchSaveError(err error) error {
	err = rest.Invalid(err, nil)
	var apiErr *rest.Error
	if errors.As(err, &apiErr) {
		if fields, ok := apiErr.Body.(map[string][]string); ok && len(fields["non_field_errors"]) > 0 {
			fields["non_field_errors"] = []string{"The fields suborganisation_id, name must make a unique set."}
		}
	}
	return err
}

// managedBranch loads the path's branch for a caller who can manage its suborganisation.
func managedBranch(e *core.RequestEvent) (*core.Record, error) {
	user, b, err := rest.UserAndRecord(e, collections.Branches, "Branch")
	if err != nil {
		return nil, err
	}
	if ok, err := access.CanManageSuborg(e.App, user.Id, b.GetString("suborganisation")); err != nil || !ok {
		return nil, orDeny(err, rest.Keyed(http.StatusForbidden, "error", "Not allowed."))
	}
	return b, nil
}

func (h *handlers) getBranch(e *core.RequestEvent) error {
	b, err := managedBranch(e)
	if err != nil {
		return err
	}
	j, err := branchJSON(e.App, b)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) patchBranch(e *core.RequestEvent) error {
	b, err := managedBranch(e)
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if f.Has("suborganisation_id") {
		return rest.Keyed(http.StatusBadRequest, "error", "Cannot move branch to another suborg.")
	}
	n, _ := f.Text("name", 255, false)
	if err := f.Err(); err != nil {
		return err
	}
	if n != "" {
		b.Set("name", n)
		if err := e.App.Save(b); err != nil {
			return branchSaveError(err)
		}
	}
	j, err := branchJSON(e.App, b)
	return respond(e, http.StatusOK, j, err)
}

func (h *handlers) deleteBranch(e *core.RequestEvent) error {
	b, err := managedBranch(e)
	if err != nil {
		return err
	}
	if err := e.App.DeleteWithContext(audit.Request(e), b); err != nil {
		return err
	}
	return rest.NoContent(e)
}

// branchName checks access to the branch named in the path. Upstream
// checked ?branch_id instead when given, which revealed any branch's name to
// anyone with one branch.
func (h *handlers) branchName(e *core.RequestEvent, user *core.Record) error {
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return err
	}
	b, err := findHidden(e.App, collections.Branches, id, "Branch", super)
	if err != nil {
		return err
	}
	if ok, err := access.CanAccessBranch(e.App, user.Id, b.Id); err != nil || !ok {
		return orDeny(err, rest.PermissionDenied())
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"name": b.GetString("name")})
}

// userSuborgs is the select-sub-org page's source: every suborganisation the
// caller has a role in, the role, and the branches that role reaches.
func (h *handlers) userSuborgs(e *core.RequestEvent, user *core.Record) error {
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	mine, err := memberships(e.App, user.Id)
	if err != nil {
		return err
	}
	adminOrgs := map[string]bool{}
	roleIn := map[string]string{} // suborg id → the caller's role on it
	var ids []string
	for _, m := range mine {
		if m.GetString("role") == collections.RoleOrgAdmin && m.GetString("organisation") != "" {
			adminOrgs[m.GetString("organisation")] = true
		}
		if s := m.GetString("suborganisation"); s != "" {
			if _, seen := roleIn[s]; !seen {
				roleIn[s] = m.GetString("role")
			}
			ids = append(ids, s)
		}
	}
	var subs []*core.Record
	q := e.App.RecordQuery(collections.Suborganisations).OrderBy("name ASC", "id ASC")
	if !super {
		orgs := make([]any, 0, len(adminOrgs))
		for o := range adminOrgs {
			orgs = append(orgs, o)
		}
		sub := make([]any, 0, len(ids))
		for _, s := range ids {
			sub = append(sub, s)
		}
		q.AndWhere(dbx.Or(dbx.In("organisation", orgs...), dbx.In("id", sub...)))
	}
	if err := q.All(&subs); err != nil {
		return err
	}
	out := make([]any, 0, len(subs))
	for _, s := range subs {
		org, err := e.App.FindRecordById(collections.Organisations, s.GetString("organisation"))
		if err != nil {
			return err
		}
		var role any
		if super || adminOrgs[org.Id] {
			role = collections.RoleOrgAdmin
		} else if r, ok := roleIn[s.Id]; ok {
			role = r
		}
		var bs []*core.Record
		if role == collections.RoleOrgAdmin || role == collections.RoleSuborgAdmin {
			bs, err = e.App.FindAllRecords(collections.Branches, dbx.HashExp{"suborganisation": s.Id})
		} else {
			var own []any
			for _, m := range mine {
				if b := m.GetString("branch"); b != "" && !slices.Contains(own, any(b)) {
					own = append(own, b)
				}
			}
			bs, err = e.App.FindAllRecords(collections.Branches, dbx.HashExp{"suborganisation": s.Id}, dbx.In("id", own...))
		}
		if err != nil {
			return err
		}
		branches, err := branchesJSON(e.App, bs)
		if err != nil {
			return err
		}
		out = append(out, map[string]any{
			"id":                    rest.ID(s.Id),
			"name":                  s.GetString("name"),
			"organisation":          rest.ID(org.Id),
			"organisation_name":     org.GetString("name"),
			"organisation_uri_name": org.GetString("uri_name"),
			"user_role":             role,
			"branches":              branches,
		})
	}
	return rest.JSON(e, http.StatusOK, out)
}

// userAndPathOrganisation is the signed-in user and the organisation the
// path's identifier (id, uri_name or name) names; notFound words the 404 as
// the route's upstream view did.
func userAndPathOrganisation(e *core.RequestEvent, notFound string) (*core.Record, *core.Record, error) {
	user, err := rest.RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	org, err := access.ResolveOrganisation(e.App, e.Request.PathValue("org"))
	if errors.Is(err, access.ErrNotFound) {
		return nil, nil, rest.Detail(http.StatusNotFound, notFound)
	}
	return user, org, err
}
