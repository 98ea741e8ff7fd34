package collections

import "github.com/pocketbase/pocketbase/core"

// Membership roles (upstream OrganisationMembership.role choices).
const (
	RoleSuperAdmin  = "super_admin"
	RoleOrgAdmin    = "org_admin"
	RoleOrgUser     = "org_user"
	RoleSuborgAdmin = "suborg_admin"
	RoleBranchAdmin = "branch_admin"
	RoleEmployee    = "employee"
)

// Roles lists the membership roles in upstream order.
var Roles = []string{RoleSuperAdmin, RoleOrgAdmin, RoleOrgUser, RoleSuborgAdmin, RoleBranchAdmin, RoleEmployee}

// DjangoPasswordField holds an imported Django password hash until the user's
// first login re-hashes it into PocketBase's password field.
const DjangoPasswordField = "django_password"

func organisationArea() []Spec {
	return []Spec{
		{Collection: organisations()},
		{Collection: suborganisations()},
		{Collection: branches()},
		{Collection: users(), Defaults: map[string]any{"is_active": true, "language_preference": "en"}},
		{Collection: memberships()},
		{Collection: branchAPIKeys(), Defaults: map[string]any{"is_active": true}},
		{Collection: keycloakSessions()},
	}
}

func organisations() *core.Collection {
	c := newBase(Organisations)
	uri := text("uri_name", 255, false)
	uri.Help = "URL slug and Keycloak realm; derived from the name with Django's slugify when left empty."
	c.Fields.Add(text("name", 255, true), uri)
	c.AddIndex("idx_organisations_name", true, "name", "")
	c.AddIndex("idx_organisations_uri_name", true, "uri_name", "")
	return c
}

func suborganisations() *core.Collection {
	c := newBase(Suborganisations)
	c.Fields.Add(text("name", 255, true), rel("organisation", Organisations, true, true))
	return c
}

func branches() *core.Collection {
	c := newBase(Branches)
	c.Fields.Add(text("name", 255, true), rel("suborganisation", Suborganisations, true, true))
	c.AddIndex("idx_branches_suborganisation_name", true, "suborganisation, name", "")
	return c
}

// users extends PocketBase's auth collection with upstream's auth_user and
// UserExtended fields. E-mail stays optional (upstream users may have none);
// PocketBase keeps non-empty e-mails unique.
func users() *core.Collection {
	c := core.NewAuthCollection(Users, UsersCollectionId)
	useNumericIds(c)
	c.Fields.GetByName(core.FieldNameEmail).(*core.EmailField).Required = false
	djangoHash := text(DjangoPasswordField, 255, false)
	djangoHash.Hidden = true
	djangoHash.Help = "Imported Django password hash (pbkdf2_sha256$...); cleared after the first login."
	active := boolean("is_active")
	active.Help = "Inactive users cannot log in (upstream auth_user.is_active)."
	c.Fields.Add(
		text("username", 150, true),
		text("first_name", 150, false),
		text("last_name", 150, false),
		text("language_preference", 255, false),
		active,
		djangoHash,
		created("date_joined"),
	)
	c.AddIndex("idx_users_username", true, "username", "")
	c.PasswordAuth.IdentityFields = []string{"username", core.FieldNameEmail}
	c.OAuth2.MappedFields.Name = ""
	c.OAuth2.MappedFields.AvatarURL = ""
	c.OAuth2.MappedFields.Username = "username"
	return c
}

func memberships() *core.Collection {
	c := newBase(Memberships)
	c.Fields.Add(
		rel("user", Users, true, true),
		rel("organisation", Organisations, false, true),
		rel("suborganisation", Suborganisations, false, true),
		rel("branch", Branches, false, true),
		choice("role", true, Roles...),
	)
	c.AddIndex("idx_memberships_unique", true, "user, organisation, suborganisation, branch", "")
	return c
}

func branchAPIKeys() *core.Collection {
	c := newBase(BranchAPIKeys)
	key := pattern("key", `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, true)
	key.Help = "Screen API key (random UUID v4), sent as X-API-KEY."
	c.Fields.Add(
		rel("branch", Branches, true, true),
		key,
		created("created_at"),
		boolean("is_active"),
	)
	c.AddIndex("idx_branch_api_keys_branch", true, "branch", "")
	c.AddIndex("idx_branch_api_keys_key", true, "key", "")
	return c
}

func keycloakSessions() *core.Collection {
	c := newBase(KeycloakSessions)
	token := func(name string) *core.TextField {
		f := text(name, MaxTokenLength, false)
		f.Hidden = true
		return f
	}
	c.Fields.Add(
		rel("user", Users, true, true),
		token("access_token"),
		token("refresh_token"),
		token("id_token"),
		created("created_at"),
	)
	c.AddIndex("idx_keycloak_sessions_user", true, "user", "")
	return c
}
