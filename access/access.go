// Package access is the single place where OpenStream's role rules live
// (docs/api.md, "Roles"): who is a super admin, who administers an
// organisation, who manages a suborganisation, who may use a branch, who
// belongs to an organisation, and how an organisation identifier from a
// request is resolved.
//
// Every handler asks these predicates instead of inspecting memberships
// itself. The PocketBase API rules of the collections (collections/rules.go)
// express the same rules in PocketBase's filter syntax; they must mirror this
// package, and a change here must be made there too.
//
// A user's powers are the union of their membership rows. A super_admin row,
// whatever its organisation, allows everything. Each predicate is one SQL
// query. A target that does not exist grants nothing, not even to a super
// admin, and is not an error: callers answer 404 before they ask.
package access

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// IsSuperAdmin reports whether the user has any super_admin membership.
func IsSuperAdmin(app core.App, userID string) (bool, error) {
	return granted(app, userID, nil, isSuper)
}

// IsOrgAdminIn reports whether the user is a super admin or has an org_admin
// membership in the organisation.
func IsOrgAdminIn(app core.App, userID, orgID string) (bool, error) {
	return granted(app, userID, targetOrg(orgID), dbx.Or(
		isSuper,
		dbx.And(role(collections.RoleOrgAdmin), same("m.organisation", "o.id")),
	))
}

// BelongsToOrg reports whether the user is a super admin or has a membership
// of any role in the organisation.
func BelongsToOrg(app core.App, userID, orgID string) (bool, error) {
	return granted(app, userID, targetOrg(orgID), dbx.Or(
		isSuper,
		same("m.organisation", "o.id"),
	))
}

// CanManageSuborg reports whether the user is a super admin, org_admin of the
// suborganisation's organisation, or suborg_admin of the suborganisation.
func CanManageSuborg(app core.App, userID, suborgID string) (bool, error) {
	return granted(app, userID, targetSuborg(suborgID), dbx.Or(
		isSuper,
		dbx.And(role(collections.RoleOrgAdmin), same("m.organisation", "s.organisation")),
		dbx.And(role(collections.RoleSuborgAdmin), same("m.suborganisation", "s.id")),
	))
}

// CanAccessBranch reports whether the user is a super admin, org_admin of the
// branch's organisation, suborg_admin of the branch's suborganisation, or has
// a membership of any role (even org_user) naming the branch.
func CanAccessBranch(app core.App, userID, branchID string) (bool, error) {
	return granted(app, userID, targetBranch(branchID), dbx.Or(
		isSuper,
		dbx.And(role(collections.RoleOrgAdmin), same("m.organisation", "s.organisation")),
		dbx.And(role(collections.RoleSuborgAdmin), same("m.suborganisation", "s.id")),
		same("m.branch", "b.id"),
	))
}

var isSuper = role(collections.RoleSuperAdmin)

func role(r string) dbx.Expression { return dbx.HashExp{"m.role": r} }

// same compares two columns; both names are constants of this file.
func same(left, right string) dbx.Expression {
	return dbx.NewExp("[[" + left + "]] = [[" + right + "]]")
}

// join adds the target's rows to the query; an unknown id joins nothing, so
// the predicate is false.
type join func(*dbx.SelectQuery) *dbx.SelectQuery

func targetOrg(id string) join {
	return func(q *dbx.SelectQuery) *dbx.SelectQuery {
		return q.InnerJoin(collections.Organisations+" o", dbx.HashExp{"o.id": id})
	}
}

func targetSuborg(id string) join {
	return func(q *dbx.SelectQuery) *dbx.SelectQuery {
		return q.InnerJoin(collections.Suborganisations+" s", dbx.HashExp{"s.id": id})
	}
}

func targetBranch(id string) join {
	return func(q *dbx.SelectQuery) *dbx.SelectQuery {
		return q.
			InnerJoin(collections.Branches+" b", dbx.HashExp{"b.id": id}).
			InnerJoin(collections.Suborganisations+" s", same("s.id", "b.suborganisation"))
	}
}

// granted reports whether one of the user's memberships (alias m) satisfies
// grant, with the target (if any) joined in as o, s and b.
func granted(app core.App, userID string, target join, grant dbx.Expression) (bool, error) {
	if userID == "" {
		return false, nil
	}
	q := app.DB().Select("m.id").From(collections.Memberships + " m")
	if target != nil {
		q = target(q)
	}
	var id string
	err := q.Where(dbx.HashExp{"m.user": userID}).AndWhere(grant).Limit(1).Row(&id)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	default:
		return false, err
	}
}
