package collections

import (
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// API rules: who may list, view, create, update and delete records through
// PocketBase's own API (/api/collections/<name>/records, realtime, batch).
// They encode the role model of docs/api.md, "Roles", the same predicates
// package access evaluates in Go, so a user gets through PocketBase's API what
// the OpenStream API gives them and nothing of another organisation.
// Superusers (the dashboard) bypass rules; a nil rule means "superusers only".
//
// How the predicates are written
//
// Every predicate is a question about the caller's membership rows. They are
// reached as the back-relation @request.auth.memberships_via_user: PocketBase
// LEFT JOINs the caller's user row (ON id = caller) and then their
// memberships (ON memberships.user = caller), under one fixed table alias
// (core/record_field_resolver_runner.go names a back-relation join
// "<parent alias>_<prop>", and registerJoin reuses a registered alias).
// Every condition on that path, anywhere in a rule, therefore binds the SAME
// joined membership row, and the rule holds when SOME row (or the lone NULL
// row of a user without memberships) satisfies it. This is what lets
// "role = org_admin AND organisation = O" mean "one row with both". Two
// consequences, kept by the helpers below:
//   - only the any-match operators (?=, ?!=) are used on membership fields:
//     the plain ones would demand that EVERY membership row match;
//   - a rule is an OR of per-row predicates (which is exact, since "some row
//     satisfies A or B" = "some row satisfies A or some row satisfies B"),
//     never a negation of one nor an AND of two predicates that would need
//     two different rows.
//
// A client filter naming the same path joins the same row and is ANDed to
// the rule, so it can only narrow what the rule lets through. The users rule
// also needs the target's memberships: those are memberships_via_user of the
// listed record, a second, independent join.
//
// The join is indexed (memberships.user leads idx_memberships_unique) and
// only ever yields the caller's few rows, unlike an @collection join, which
// PocketBase adds without an ON clause (a cross join of the whole table per
// record).
//
// PocketBase compares two columns as COALESCE(a,'') = COALESCE(b,''), so two
// empty values are equal. Every comparison with a membership column
// therefore also requires that column to be non-empty; otherwise an
// org_admin row (branch empty) would "match" a slideshow without a branch.
//
// Records without an owner (a slideshow, playlist or document with no
// branch, a category or tag with no organisation) match no membership
// predicate: only super admins see them (no OpenStream endpoint reaches
// them either).
//
// Every rule first requires an active OpenStream user: a token of another
// auth collection, of an inactive user, or no token at all gets nothing.

// Rules are the five API rules of a collection; nil means superusers only.
type Rules struct {
	List, View, Create, Update, Delete *string
}

// set copies the rules into c.
func (r Rules) set(c *core.Collection) {
	c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule = r.List, r.View, r.Create, r.Update, r.Delete
}

func (r Rules) equal(o Rules) bool {
	same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return same(r.List, o.List) && same(r.View, o.View) && same(r.Create, o.Create) &&
		same(r.Update, o.Update) && same(r.Delete, o.Delete)
}

// mem is the caller's membership row (see above).
const mem = "@request.auth.memberships_via_user"

// activeUser is the guard of every rule.
const activeUser = `@request.auth.collectionName = "users" && @request.auth.is_active = true`

// rule prefixes a predicate with the active-user guard ("" = the guard alone).
func rule(predicate string) *string {
	s := activeUser
	if predicate != "" {
		s += " && " + predicate
	}
	return &s
}

func anyOf(predicates ...string) string { return join(" || ", predicates) }
func allOf(predicates ...string) string { return join(" && ", predicates) }

// join parenthesises the non-empty predicates joined by op ("" for none).
func join(op string, predicates []string) string {
	predicates = slices.DeleteFunc(slices.Clone(predicates), func(p string) bool { return p == "" })
	if len(predicates) == 0 {
		return ""
	}
	return "(" + strings.Join(predicates, op) + ")"
}

// memberIs: the membership row's column is set and equals expr.
func memberIs(column, expr string) string {
	return allOf(mem+"."+column+` ?!= ""`, mem+"."+column+" ?= "+expr)
}

func memberRole(role string) string { return mem + `.role ?= "` + role + `"` }

// Per-row predicates (one membership row m of the caller).

// superAdmin: m has role super_admin (global, whatever its organisation).
var superAdmin = memberRole(RoleSuperAdmin)

// orgAdminOf: m is org_admin of the organisation expr.
func orgAdminOf(org string) string {
	return allOf(memberRole(RoleOrgAdmin), memberIs("organisation", org))
}

// suborgAdminOf: m is suborg_admin of the suborganisation expr.
func suborgAdminOf(sub string) string {
	return allOf(memberRole(RoleSuborgAdmin), memberIs("suborganisation", sub))
}

// The access predicates of docs/api.md, "Roles", each an OR of per-row
// predicates.

// belongsToOrg = access.BelongsToOrg: super, or any membership in org.
func belongsToOrg(org string) string { return anyOf(superAdmin, memberIs("organisation", org)) }

// isOrgAdmin = access.IsOrgAdminIn: super, or org_admin of org.
func isOrgAdmin(org string) string { return anyOf(superAdmin, orgAdminOf(org)) }

// suborgPath names a suborganisation and its organisation in a rule: for a
// relation field "x" they are "x" and "x.organisation"; for the
// suborganisations collection itself, "id" and "organisation".
type suborgPath struct{ id, organisation string }

func suborgAt(field string) suborgPath { return suborgPath{field, field + ".organisation"} }

// canManageSuborg = access.CanManageSuborg: super, org_admin of the
// suborganisation's organisation, or suborg_admin of it.
func canManageSuborg(s suborgPath) string {
	return anyOf(superAdmin, orgAdminOf(s.organisation), suborgAdminOf(s.id))
}

// branchPath names a branch, its suborganisation and its organisation.
type branchPath struct{ id, suborganisation, organisation string }

func branchAt(field string) branchPath {
	return branchPath{field, field + ".suborganisation", field + ".suborganisation.organisation"}
}

// canAccessBranch = access.CanAccessBranch: super, org_admin of the branch's
// organisation, suborg_admin of its suborganisation, or any membership (any
// role, org_user included) naming the branch.
func canAccessBranch(b branchPath) string {
	return anyOf(superAdmin, orgAdminOf(b.organisation), suborgAdminOf(b.suborganisation), memberIs("branch", b.id))
}

// accessesSomeBranchOf: can_access_branch holds for at least one branch of
// the organisation, i.e. the caller can name a branch of it as branch_id (the
// document library's scope is the whole organisation of that branch). The role
// table (and the membership hook) make a suborg_admin's or a branch-bound
// row's organisation that of its suborganisation and branch.
func accessesSomeBranchOf(org string) string {
	return anyOf(superAdmin, allOf(memberIs("organisation", org), anyOf(
		memberRole(RoleOrgAdmin), memberRole(RoleSuborgAdmin), mem+`.branch ?!= ""`)))
}

// Write guards on the record itself (no membership row involved).

// unchanged: an update may not send a different value for the fields.
func unchanged(fields ...string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = "@request.body." + f + ":changed = false"
	}
	return allOf(parts...)
}

// refIn: on create, the single relation field is empty or its target's
// scope path equals want (e.g. a group's default slideshow lives in the
// group's branch). Upstream never checked these; without them a user could
// point their screens at another organisation's content.
func refIn(field, scope, want string) string {
	return anyOf(field+` = ""`, field+"."+scope+" = "+want)
}

// refsIn: on create, every target of the multiple relation field has scope want.
func refsIn(field, scope, want string) string {
	return anyOf(field+":length = 0", field+"."+scope+" = "+want)
}

// newRefIn: on update, a new value of the single relation field is empty or in want.
func newRefIn(field, scope, want string) string {
	b := "@request.body." + field
	return anyOf(b+":isset = false", b+` = ""`, b+"."+scope+" = "+want)
}

// newRefsIn: on update, every new target of the multiple relation field has scope want.
func newRefsIn(field, scope, want string) string {
	b := "@request.body." + field
	return anyOf(b+":isset = false", b+":length = 0", b+"."+scope+" = "+want)
}

// branchContent is the rule set of content owned by a branch reached
// through owner (e.g. "branch", "slideshow_playlist.branch"): every action
// needs can_access_branch (docs/api.md, "PocketBase's own API": branch
// content), the owner may not change, and references must stay in the branch.
func branchContent(owner string, ownerFields []string, createRefs, updateRefs []string) Rules {
	access := canAccessBranch(branchAt(owner))
	return Rules{
		List:   rule(access),
		View:   rule(access),
		Create: rule(allOf(append([]string{access}, createRefs...)...)),
		Update: rule(allOf(append([]string{access, unchanged(ownerFields...)}, updateRefs...)...)),
		Delete: rule(access),
	}
}

// orgAsset is the rule set of an organisation's asset (categories, tags,
// colours, fonts, text formatting): read = belongs_to_org, write =
// is_org_admin (docs/api.md, "Assets"); it may not move to another
// organisation.
func orgAsset(org string) Rules {
	return Rules{
		List:   rule(belongsToOrg(org)),
		View:   rule(belongsToOrg(org)),
		Create: rule(isOrgAdmin(org)),
		Update: rule(allOf(isOrgAdmin(org), unchanged(org))),
		Delete: rule(isOrgAdmin(org)),
	}
}

// global is the rule set of data shared by every organisation: any active
// user reads, super admins write.
func global() Rules {
	return Rules{List: rule(""), View: rule(""), Create: rule(superAdmin), Update: rule(superAdmin), Delete: rule(superAdmin)}
}

// readOnly gives list and view one rule and leaves every write to superusers.
func readOnly(read string) Rules { return Rules{List: rule(read), View: rule(read)} }

// apiRules returns the API rules of every collection, by name.
func apiRules() map[string]Rules {
	branchOrg := "branch.suborganisation.organisation"
	taggedByBranch := func() ([]string, []string) {
		return []string{refIn("category", "organisation", branchOrg), refsIn("tags", "organisation", branchOrg)},
			[]string{newRefIn("category", "organisation", branchOrg), newRefsIn("tags", "organisation", branchOrg)}
	}
	slideshowCreate, slideshowUpdate := taggedByBranch()
	documentCreate, documentUpdate := taggedByBranch()
	groupBranch := "display_website_group.branch"
	schedule := branchContent(groupBranch, nil,
		[]string{refIn("slideshow", "branch", groupBranch), refIn("playlist", "branch", groupBranch)},
		[]string{newRefIn("display_website_group", "branch", groupBranch),
			newRefIn("slideshow", "branch", groupBranch), newRefIn("playlist", "branch", groupBranch)})
	// An emergency belongs to its slideshow's branch; its groups must all be
	// in that branch (upstream requires one branch for the groups and access
	// to it). Rows whose groups are elsewhere are visible to super admins only.
	emergencyBranch := "slideshow.branch"
	emergencyGroups := refsIn("display_website_groups", "branch", emergencyBranch)
	emergencyAccess := allOf(canAccessBranch(branchAt(emergencyBranch)), emergencyGroups)
	templateRefs := []string{
		refIn("suborganisation", "organisation", "organisation"),
		refIn("parent_template", "organisation", "organisation"),
		refIn("category", "organisation", "organisation"),
		refsIn("tags", "organisation", "organisation"),
	}
	templateUpdateRefs := []string{
		newRefIn("parent_template", "organisation", "organisation"),
		newRefIn("category", "organisation", "organisation"),
		newRefsIn("tags", "organisation", "organisation"),
	}
	self := "@request.auth.id"
	return map[string]Rules{
		// No API creates, renames or deletes organisations: only the
		// management command and the dashboard do.
		Organisations: readOnly(belongsToOrg("id")),
		// Names are readable by any member of the organisation (GET
		// suborg name); creating and deleting need org_admin, renaming
		// can_manage_suborg; a suborganisation never changes organisation.
		Suborganisations: {
			List:   rule(belongsToOrg("organisation")),
			View:   rule(belongsToOrg("organisation")),
			Create: rule(isOrgAdmin("organisation")),
			Update: rule(allOf(canManageSuborg(suborgPath{"id", "organisation"}), unchanged("organisation"))),
			Delete: rule(isOrgAdmin("organisation")),
		},
		// Listings show only branches the caller can access (upstream lists
		// the whole organisation to anyone with one branch). Writes need
		// can_manage_suborg; branches do not move between suborganisations.
		Branches: {
			List:   rule(canAccessBranch(branchPath{"id", "suborganisation", "suborganisation.organisation"})),
			View:   rule(canAccessBranch(branchPath{"id", "suborganisation", "suborganisation.organisation"})),
			Create: rule(canManageSuborg(suborgAt("suborganisation"))),
			Update: rule(allOf(canManageSuborg(suborgAt("suborganisation")), unchanged("suborganisation"))),
			Delete: rule(canManageSuborg(suborgAt("suborganisation"))),
		},
		// A user sees themself, and the users who have a membership in an
		// organisation they administer or a suborganisation they administer
		// (whom they can manage through memberships). Only admins create users
		// (upstream let any signed-in user). Users edit only themselves and
		// not their activation, imported hash or verified flag; PocketBase
		// itself keeps e-mail and password changes to their dedicated flows,
		// drops hidden fields (the Django hash) from non-superuser writes and
		// hides e-mails unless emailVisibility (or the owner asks).
		// Nobody deletes users through the API (upstream only strips
		// memberships).
		Users: {
			List: rule(usersVisible(self)),
			View: rule(usersVisible(self)),
			Create: rule(allOf(
				anyOf(superAdmin, memberRole(RoleOrgAdmin), memberRole(RoleSuborgAdmin)),
				DjangoPasswordField+` = ""`,
			)),
			Update: rule(allOf("id = "+self, unchanged("is_active", DjangoPasswordField, core.FieldNameVerified))),
		},
		// Own rows, and the rows of organisations / suborganisations the
		// caller administers. Nobody grants a role above their own (upstream
		// let an org admin make super admins): org_admins grant anything but
		// super_admin in their organisation, suborg_admins grant suborg_admin,
		// branch_admin or employee in their suborganisation (the
		// membership hook keeps suborganisation and branch inside the
		// organisation). Rows are never edited (upstream 405); a
		// super_admin row is removed by super admins only.
		Memberships: {
			List: rule(membershipsVisible(self)),
			View: rule(membershipsVisible(self)),
			Create: rule(anyOf(
				superAdmin,
				allOf(`role != "`+RoleSuperAdmin+`"`, orgAdminOf("organisation")),
				allOf(`(role = "`+RoleSuborgAdmin+`" || role = "`+RoleBranchAdmin+`" || role = "`+RoleEmployee+`")`,
					suborgAdminOf("suborganisation")),
			)),
			Delete: rule(anyOf(
				superAdmin,
				allOf(`role != "`+RoleSuperAdmin+`"`, anyOf(orgAdminOf("organisation"), suborgAdminOf("suborganisation"))),
			)),
		},
		// GET /api/branch-api-key: super, org_admin, suborg_admin. Keys are
		// created with their branch and never written through the API.
		BranchAPIKeys: readOnly(canManageSuborg(suborgAt("branch.suborganisation"))),
		// Keycloak tokens never leave the server.
		KeycloakSessions: {},
		Categories:       orgAsset("organisation"),
		Tags:             orgAsset("organisation"),
		// Branch content. Slideshow categories and tags come from the
		// branch's organisation.
		Slideshows: branchContent("branch", []string{"branch"}, slideshowCreate, slideshowUpdate),
		Playlists:  branchContent("branch", []string{"branch"}, nil, nil),
		// An item belongs to its playlist's branch; its slideshow must be in
		// the same branch (upstream 400 "Slideshow and playlist must be in
		// the same branch.") and it stays in that branch.
		PlaylistItems: branchContent("slideshow_playlist.branch", nil,
			[]string{refIn("slideshow", "branch", "slideshow_playlist.branch")},
			[]string{newRefIn("slideshow_playlist", "branch", "slideshow_playlist.branch"),
				newRefIn("slideshow", "branch", "slideshow_playlist.branch")}),
		Wayfindings: branchContent("branch", []string{"branch"}, nil, nil),
		// Organisation templates are readable by every member (list and
		// GET one, suborg copies included). Org-wide templates are written
		// by org admins; a suborganisation's copies also by its
		// suborg_admin (can_manage_suborg). Everything a template points
		// to stays in its organisation, and a template keeps its
		// organisation and suborganisation.
		SlideTemplates: {
			List: rule(belongsToOrg("organisation")),
			View: rule(belongsToOrg("organisation")),
			Create: rule(allOf(append([]string{
				anyOf(isOrgAdmin("organisation"), suborgAdminOf("suborganisation"))}, templateRefs...)...)),
			Update: rule(allOf(append([]string{
				anyOf(isOrgAdmin("organisation"), suborgAdminOf("suborganisation")),
				unchanged("organisation", "suborganisation")}, templateUpdateRefs...)...)),
			Delete: rule(anyOf(isOrgAdmin("organisation"), suborgAdminOf("suborganisation"))),
		},
		// Any user reads global templates; super admins manage them.
		GlobalSlideTemplates: global(),
		// The library lists every document of the organisation of a branch
		// the caller can access; writes are limited to the owning branch.
		Documents: {
			List:   rule(accessesSomeBranchOf(branchOrg)),
			View:   rule(accessesSomeBranchOf(branchOrg)),
			Create: rule(allOf(append([]string{canAccessBranch(branchAt("branch"))}, documentCreate...)...)),
			Update: rule(allOf(append([]string{canAccessBranch(branchAt("branch")), unchanged("branch")}, documentUpdate...)...)),
			Delete: rule(canAccessBranch(branchAt("branch"))),
		},
		// Unused upstream; global like the templates.
		DocumentCategories:     global(),
		CustomColors:           orgAsset("organisation"),
		CustomFonts:            orgAsset("organisation"),
		TextFormattingSettings: orgAsset("organisation"),
		// Managed in the dashboard only; members read them (GET slide-types).
		RegisteredSlideTypes:  readOnly(belongsToOrg("organisation")),
		OrganisationAPIAccess: readOnly(belongsToOrg("organisation")),
		BranchURLItems:        branchContent("branch", []string{"branch"}, nil, nil),
		// A group's default content lives in its branch.
		DisplayWebsiteGroups: branchContent("branch", []string{"branch"},
			[]string{refIn("default_slideshow", "branch", "branch"), refIn("default_playlist", "branch", "branch")},
			[]string{newRefIn("default_slideshow", "branch", "branch"), newRefIn("default_playlist", "branch", "branch")}),
		// A screen's group lives in its branch.
		DisplayWebsites: branchContent("branch", []string{"branch"},
			[]string{refIn("display_website_group", "branch", "branch")},
			[]string{newRefIn("display_website_group", "branch", "branch")}),
		// Schedules belong to their group's branch; the content they show
		// lives there too.
		ScheduledContents:          schedule,
		RecurringScheduledContents: schedule,
		EmergencySlideshows: {
			List:   rule(emergencyAccess),
			View:   rule(emergencyAccess),
			Create: rule(emergencyAccess),
			Update: rule(allOf(emergencyAccess,
				newRefIn("slideshow", "branch", emergencyBranch),
				newRefsIn("display_website_groups", "branch", emergencyBranch))),
			Delete: rule(emergencyAccess),
		},
		// The audit trail: org admins read their organisation's events,
		// super admins all; nobody writes (package audit refuses even
		// superusers).
		AuditEvents: readOnly(isOrgAdmin("organisation")),
	}
}

// usersVisible: self, super, or a target membership (memberships_via_user,
// a second row independent of the caller's) in an organisation the caller
// administers or a suborganisation the caller administers.
func usersVisible(self string) string {
	return anyOf(
		"id = "+self,
		superAdmin,
		allOf(memberRole(RoleOrgAdmin), memberIs("organisation", "memberships_via_user.organisation")),
		allOf(memberRole(RoleSuborgAdmin), memberIs("suborganisation", "memberships_via_user.suborganisation")),
	)
}

// membershipsVisible: own rows, super, the rows of an organisation the
// caller administers (GET /api/memberships/) and of a suborganisation the
// caller administers (who may delete them).
func membershipsVisible(self string) string {
	return anyOf("user = "+self, superAdmin, orgAdminOf("organisation"), suborgAdminOf("suborganisation"))
}

// RulesOf returns the API rules of the named collection (all nil when it
// has none).
func RulesOf(name string) Rules { return apiRules()[name] }
