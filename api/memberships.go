package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/access/roles"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/rest"
)

// The endpoints of docs/api.md, "Memberships".
func (h *handlers) membershipRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/memberships/", rest.Methods{http.MethodGet: rest.Authed(h.listMemberships), http.MethodPost: rest.Authed(h.createMembership)})
	rest.Route(r, "/api/memberships/{pk}/", rest.Methods{http.MethodDelete: h.deleteMembership})
}

func membershipDetail(app core.App, m *core.Record) map[string]any {
	nameOf := func(collection, id string) any {
		if id == "" {
			return nil
		}
		rec, err := app.FindRecordById(collection, id)
		if err != nil {
			return nil
		}
		return rec.GetString("name")
	}
	return map[string]any{
		"id":                   rest.ID(m.Id),
		"role":                 m.GetString("role"),
		"organisation":         nullableID(m.GetString("organisation")),
		"suborganisation":      nullableID(m.GetString("suborganisation")),
		"branch":               nullableID(m.GetString("branch")),
		"organisation_name":    nameOf(collections.Organisations, m.GetString("organisation")),
		"suborganisation_name": nameOf(collections.Suborganisations, m.GetString("suborganisation")),
		"branch_name":          nameOf(collections.Branches, m.GetString("branch")),
	}
}

func (h *handlers) listMemberships(e *core.RequestEvent, caller *core.Record) error {
	raw := e.Request.URL.Query().Get("user")
	if raw == "" {
		return rest.Detail(http.StatusBadRequest, "user parameter is required.")
	}
	target, ok := collections.ParseID(raw)
	if !ok {
		return rest.Detail(http.StatusBadRequest, "Invalid user_id format.")
	}
	super, err := access.IsSuperAdmin(e.App, caller.Id)
	if err != nil {
		return err
	}
	ms, err := memberships(e.App, target)
	if err != nil {
		return err
	}
	if !super && target != caller.Id {
		adminOf, err := orgsOf(e.App, caller.Id, collections.RoleOrgAdmin)
		if err != nil {
			return err
		}
		ms = slices.DeleteFunc(ms, func(m *core.Record) bool { return !slices.Contains(adminOf, m.GetString("organisation")) })
		if len(ms) == 0 {
			return rest.Detail(http.StatusForbidden, "Not authorized to view this user's memberships.")
		}
	}
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		out = append(out, membershipDetail(e.App, m))
	}
	return rest.JSON(e, http.StatusOK, out)
}

// membershipOrganisation resolves the organisation field: an id, a numeric
// string, a uri_name, a name, or {"id": ...}.
func membershipOrganisation(app core.App, v any) (*core.Record, error) {
	switch t := v.(type) {
	case map[string]any:
		return membershipOrganisation(app, t["id"])
	case float64:
		return access.ResolveOrganisation(app, strconv.FormatFloat(t, 'f', -1, 64))
	case string:
		return access.ResolveOrganisation(app, t)
	}
	return nil, access.ErrNotFound
}

func (h *handlers) createMembership(e *core.RequestEvent, caller *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	user, _ := f.PK("user", collections.Users, true)
	suborg, _ := f.PK("suborganisation", collections.Suborganisations, false)
	branch, _ := f.PK("branch", collections.Branches, false)
	role, _ := f.Body.String("role")
	if !f.Has("role") {
		f.Fail("role", rest.MsgRequired)
	} else if !roles.IsValid(role) {
		b, _ := json.Marshal(f.Body["role"])
		f.Fail("role", string(b)+" is not a valid choice.")
	}
	if v, present := f.Body["organisation"]; !present || v == nil {
		// Upstream crashed here; every membership belongs to an organisation.
		f.Fail("organisation", rest.MsgRequired)
	}
	if err := f.Err(); err != nil {
		return err
	}
	org, err := membershipOrganisation(e.App, f.Body["organisation"])
	if errors.Is(err, access.ErrNotFound) {
		return rest.Keyed(http.StatusBadRequest, "error", "Organisation not found")
	}
	if err != nil {
		return err
	}
	if ok, err := mayGrant(e.App, caller.Id, role, org.Id, suborg, branch); err != nil || !ok {
		return orDeny(err, rest.Detail(http.StatusForbidden, "Not allowed to create membership."))
	}
	m, err := collections.NewRecord(e.App, collections.Memberships)
	if err != nil {
		return err
	}
	m.Set("user", user)
	m.Set("organisation", org.Id)
	m.Set("suborganisation", suborg)
	m.Set("branch", branch)
	m.Set("role", role)
	if err := e.App.SaveWithContext(audit.Request(e), m); err != nil {
		// Role-table and hierarchy rules are cross-field: non_field_errors.
		return rest.Invalid(err, nil, "role", "organisation", "suborganisation", "branch", "user")
	}
	return rest.JSON(e, http.StatusCreated, map[string]any{
		"id":              rest.ID(m.Id),
		"user":            rest.ID(user),
		"organisation":    rest.ID(org.Id),
		"suborganisation": nullableID(suborg),
		"branch":          nullableID(branch),
		"role":            role,
	})
}

// rank orders the roles by reach; nobody grants a role above their own
// (upstream let an org admin create super admins).
var rank = map[string]int{
	collections.RoleSuperAdmin:  4,
	collections.RoleOrgAdmin:    3,
	collections.RoleSuborgAdmin: 2,
	collections.RoleOrgUser:     1,
	collections.RoleBranchAdmin: 1,
	collections.RoleEmployee:    1,
}

// mayGrant: a super admin grants anything; an org admin of org anything up
// to org_admin inside org; a suborg admin of suborg the roles below it for
// that suborganisation and its branches.
func mayGrant(app core.App, callerID, role, orgID, suborgID, branchID string) (bool, error) {
	if super, err := access.IsSuperAdmin(app, callerID); err != nil || super {
		return super, err
	}
	inOrg := func(collection, id, field string) (bool, error) {
		if id == "" {
			return true, nil
		}
		rec, err := app.FindRecordById(collection, id)
		if err != nil {
			return false, err
		}
		if collection == collections.Branches {
			if rec, err = app.FindRecordById(collections.Suborganisations, rec.GetString("suborganisation")); err != nil {
				return false, err
			}
		}
		return rec.GetString(field) == orgID, nil
	}
	orgAdmin, err := access.IsOrgAdminIn(app, callerID, orgID)
	if err != nil {
		return false, err
	}
	if orgAdmin && rank[role] <= rank[collections.RoleOrgAdmin] {
		okSub, err := inOrg(collections.Suborganisations, suborgID, "organisation")
		if err != nil || !okSub {
			return false, err
		}
		return inOrg(collections.Branches, branchID, "organisation")
	}
	if suborgID == "" || rank[role] > rank[collections.RoleSuborgAdmin] || role == collections.RoleOrgUser {
		return false, nil
	}
	ms, err := app.FindAllRecords(collections.Memberships,
		dbx.HashExp{"user": callerID, "role": collections.RoleSuborgAdmin, "suborganisation": suborgID})
	if err != nil || len(ms) == 0 {
		return false, err
	}
	if branchID == "" {
		return true, nil
	}
	b, err := app.FindRecordById(collections.Branches, branchID)
	if err != nil {
		return false, err
	}
	return b.GetString("suborganisation") == suborgID, nil
}

func (h *handlers) deleteMembership(e *core.RequestEvent) error {
	caller, m, err := rest.UserAndRecord(e, collections.Memberships, "OrganisationMembership")
	if err != nil {
		return err
	}
	ok, err := mayRevoke(e.App, caller.Id, m)
	if err != nil || !ok {
		return orDeny(err, rest.Detail(http.StatusForbidden, "Not allowed."))
	}
	if err := e.App.DeleteWithContext(audit.Request(e), m); err != nil {
		return err
	}
	return rest.NoContent(e)
}

// mayRevoke mirrors mayGrant: only who could grant the row may delete it.
func mayRevoke(app core.App, callerID string, m *core.Record) (bool, error) {
	return mayGrant(app, callerID, m.GetString("role"), m.GetString("organisation"), m.GetString("suborganisation"), m.GetString("branch"))
}
