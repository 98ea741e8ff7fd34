package keycloak

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/settings"
)

// RealmOptions are the inputs of CreateRealm.
type RealmOptions struct {
	Realm string
	// FrontendOrigin and BackendBaseURL become the client's redirect URIs
	// (<origin>/*); the backend is also its root, admin and base URL.
	FrontendOrigin string
	BackendBaseURL string
	// SMTP is the mail server the realm sends its own mails through; an
	// empty Host leaves the realm's SMTP settings alone.
	SMTP settings.Email
}

// RealmStep actions.
const (
	StepCreated  = "created"
	StepUpdated  = "updated"
	StepExists   = "exists"
	StepAssigned = "assigned"
)

// RealmStep is one thing CreateRealm made sure of.
type RealmStep struct {
	Action string // StepCreated, StepUpdated, StepExists or StepAssigned
	What   string // e.g. `role "org_admin"`
}

func (s RealmStep) String() string { return fmt.Sprintf("%-8s %s", s.Action, s.What) }

// RealmReport lists CreateRealm's steps in order.
type RealmReport struct {
	Steps []RealmStep
}

// Count returns how many steps had the action.
func (r RealmReport) Count(action string) int {
	n := 0
	for _, s := range r.Steps {
		if s.Action == action {
			n++
		}
	}
	return n
}

func (r *RealmReport) add(action, format string, args ...any) {
	r.Steps = append(r.Steps, RealmStep{Action: action, What: fmt.Sprintf(format, args...)})
}

// defaultUsers are the users every realm gets: suffix, realm role and last
// name. They get names because Keycloak 24 and later asks a user without
// them for both at the first sign-in (its default user profile).
var defaultUsers = []struct{ suffix, role, lastName string }{
	{"_org_admin", collections.RoleOrgAdmin, "Org Admin"},
	{"_employee", collections.RoleOrgUser, "Employee"},
	{"_suborg_admin", collections.RoleOrgUser, "Suborg Admin"},
}

// CreateRealm does what upstream's create_keycloak_realm does
// (docs/operations.md, "Keycloak realms"): the realm (created, or its SMTP
// settings updated), the realm roles org_admin and org_user, the public client
// openstream-api, and the users <realm>_org_admin, <realm>_employee and
// <realm>_suborg_admin whose password is their username. Running it again
// creates nothing new. Unlike upstream, a failed role assignment is an error,
// not ignored.
func CreateRealm(ctx context.Context, admin *Admin, opts RealmOptions) (RealmReport, error) {
	var report RealmReport
	realm := opts.Realm
	if strings.TrimSpace(realm) == "" {
		return report, errors.New("realm name is empty")
	}
	frontend := strings.TrimRight(opts.FrontendOrigin, "/")
	backend := strings.TrimRight(opts.BackendBaseURL, "/")
	if frontend == "" || backend == "" {
		return report, errors.New("frontend origin and backend base URL are required")
	}

	exists, err := admin.RealmExists(ctx, realm)
	if err != nil {
		return report, err
	}
	switch {
	case !exists:
		rep := map[string]any{
			"realm": realm, "displayName": realm, "displayNameHtml": realm, "enabled": true,
			"loginWithEmailAllowed": true, "registrationAllowed": false,
		}
		if opts.SMTP.Host != "" {
			rep["smtpServer"] = smtpServer(opts.SMTP)
		}
		if err := admin.CreateRealm(ctx, rep); err != nil {
			return report, fmt.Errorf("create realm %q: %w", realm, err)
		}
		report.add(StepCreated, "realm %q", realm)
	case opts.SMTP.Host != "":
		if err := admin.UpdateRealm(ctx, realm, map[string]any{"smtpServer": smtpServer(opts.SMTP)}); err != nil {
			return report, fmt.Errorf("update SMTP settings of realm %q: %w", realm, err)
		}
		report.add(StepUpdated, "realm %q (SMTP server %s)", realm, opts.SMTP.Host)
	default:
		report.add(StepExists, "realm %q (SMTP settings left alone: EMAIL_HOST is not set)", realm)
	}

	for _, r := range []struct{ name, description string }{
		{collections.RoleOrgAdmin, "Organisation administrator"},
		{collections.RoleOrgUser, "Organisation user"},
	} {
		created, err := admin.EnsureRealmRole(ctx, realm, r.name, r.description)
		if err != nil {
			return report, fmt.Errorf("realm role %q: %w", r.name, err)
		}
		report.add(action(created), "realm role %q", r.name)
	}

	client, err := admin.FindClient(ctx, realm, DefaultClientID)
	if err != nil {
		return report, err
	}
	if client == nil {
		if _, err := admin.CreateClient(ctx, realm, clientRepresentation(frontend, backend)); err != nil {
			return report, fmt.Errorf("create client %q: %w", DefaultClientID, err)
		}
		report.add(StepCreated, "client %q (redirect URIs %s/*, %s/*)", DefaultClientID, frontend, backend)
	} else {
		// Like upstream, an existing client is left as it is.
		report.add(StepExists, "client %q (left unchanged)", DefaultClientID)
	}

	for _, du := range defaultUsers {
		user := UserRepresentation{
			Username: realm + du.suffix, Email: realm + du.suffix + "@example.com", EmailVerified: true, Enabled: true,
			FirstName: upperFirst(realm), LastName: du.lastName,
			Credentials: []CredentialRepresentation{{Type: "password", Value: realm + du.suffix, Temporary: false}},
		}
		if err := ensureDefaultUser(ctx, admin, realm, user, du.role, &report); err != nil {
			return report, err
		}
	}
	return report, nil
}

func ensureDefaultUser(ctx context.Context, admin *Admin, realm string, user UserRepresentation, role string, report *RealmReport) error {
	username := user.Username
	u, err := admin.FindUser(ctx, realm, username)
	if err != nil {
		return err
	}
	id := ""
	if u == nil {
		id, err = admin.CreateUser(ctx, realm, user)
		if err != nil {
			return fmt.Errorf("create user %q: %w", username, err)
		}
		report.add(StepCreated, "user %q (password = username)", username)
	} else {
		id = u.ID
		report.add(StepExists, "user %q", username)
	}
	have, err := admin.UserRealmRoles(ctx, realm, id)
	if err != nil {
		return fmt.Errorf("roles of user %q: %w", username, err)
	}
	if slices.Contains(have, role) {
		report.add(StepExists, "role %q of user %q", role, username)
		return nil
	}
	if err := admin.AddRealmRoles(ctx, realm, id, role); err != nil {
		return fmt.Errorf("assign role %q to user %q: %w", role, username, err)
	}
	report.add(StepAssigned, "role %q to user %q", role, username)
	return nil
}

func action(created bool) string {
	if created {
		return StepCreated
	}
	return StepExists
}

// smtpServer maps the EMAIL_* settings to Keycloak's smtpServer, whose
// values are all strings.
func smtpServer(e settings.Email) map[string]string {
	auth := "false"
	if e.User != "" && e.Password != "" {
		auth = "true"
	}
	port := ""
	if e.Port > 0 {
		port = strconv.Itoa(e.Port)
	}
	return map[string]string{
		"host": e.Host, "port": port, "from": e.From, "auth": auth,
		"user": e.User, "password": e.Password, "ssl": "false", "starttls": strconv.FormatBool(e.UseTLS),
	}
}

// clientRepresentation is the public OIDC client the sign-in flow uses:
// standard flow only, realm roles as realm_access.roles in every token.
func clientRepresentation(frontend, backend string) map[string]any {
	return map[string]any{
		"clientId":                  DefaultClientID,
		"name":                      DefaultClientID,
		"protocol":                  "openid-connect",
		"enabled":                   true,
		"publicClient":              true,
		"standardFlowEnabled":       true,
		"directAccessGrantsEnabled": false,
		"implicitFlowEnabled":       false,
		"serviceAccountsEnabled":    false,
		"rootUrl":                   backend,
		"adminUrl":                  backend,
		"baseUrl":                   backend,
		"redirectUris":              []string{frontend + "/*", backend + "/*"},
		"webOrigins":                []string{"/*"},
		"attributes": map[string]string{
			"post.logout.redirect.uris":           "+",
			"backchannel.logout.session.required": "true",
		},
		"protocolMappers": []map[string]any{{
			"name":            "realm roles",
			"protocol":        "openid-connect",
			"protocolMapper":  "oidc-usermodel-realm-role-mapper",
			"consentRequired": false,
			"config": map[string]string{
				"claim.name":                "realm_access.roles",
				"jsonType.label":            "String",
				"multivalued":               "true",
				"id.token.claim":            "true",
				"access.token.claim":        "true",
				"userinfo.token.claim":      "true",
				"introspection.token.claim": "true",
			},
		}},
		"defaultClientScopes":  []string{"web-origins", "acr", "roles", "profile", "basic", "email"},
		"optionalClientScopes": []string{"address", "phone", "offline_access", "organization", "microprofile-jwt"},
		"fullScopeAllowed":     true,
	}
}

// upperFirst capitalises a realm name for a first name: "demo" is "Demo".
func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
