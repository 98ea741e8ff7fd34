package deploy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
)

// demoRealm is the organisation whose realm compose imports: `just up`
// creates the organisation with this uri_name.
const demoRealm = "demo"

// realmFile is Keycloak's realm representation as compose imports it.
type realmFile struct {
	Realm                 string `json:"realm"`
	DisplayName           string `json:"displayName"`
	DisplayNameHTML       string `json:"displayNameHtml"`
	Enabled               bool   `json:"enabled"`
	LoginWithEmailAllowed bool   `json:"loginWithEmailAllowed"`
	RegistrationAllowed   bool   `json:"registrationAllowed"`
	Roles                 struct {
		Realm []keycloak.RoleRepresentation `json:"realm"`
	} `json:"roles"`
	Clients []map[string]any `json:"clients"`
	Users   []struct {
		keycloak.UserRepresentation
		RealmRoles      []string `json:"realmRoles"`
		RequiredActions []string `json:"requiredActions"`
	} `json:"users"`
}

func loadRealm(t *testing.T) realmFile {
	t.Helper()
	files, err := filepath.Glob(repoPath("dev-environment", "keycloak", "*"))
	if err != nil {
		t.Fatal(err)
	}
	// Keycloak imports every *.json there; nothing else belongs there.
	if len(files) != 1 || filepath.Base(files[0]) != demoRealm+"-realm.json" {
		t.Fatalf("dev-environment/keycloak holds %v, want only %s-realm.json", files, demoRealm)
	}
	var r realmFile
	dec := json.NewDecoder(strings.NewReader(readRepoFile(t, "dev-environment", "keycloak", demoRealm+"-realm.json")))
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Realm != demoRealm {
		t.Fatalf("the realm is %q, want %q (realms are named after the organisation's uri_name)", r.Realm, demoRealm)
	}
	return r
}

func (r realmFile) client(t *testing.T) map[string]any {
	t.Helper()
	for _, c := range r.Clients {
		if c["clientId"] == keycloak.DefaultClientID {
			return c
		}
	}
	t.Fatalf("the realm has no client %s", keycloak.DefaultClientID)
	return nil
}

func startKeycloak(t *testing.T) (*kctest.Server, *keycloak.Admin) {
	t.Helper()
	kc := kctest.Start(t)
	admin, err := keycloak.NewAdmin(context.Background(), keycloak.Config{
		PublicURL: kc.URL(), InternalURL: kc.URL(), ClientID: keycloak.DefaultClientID,
		AdminUsername: kctest.AdminUsername, AdminPassword: kctest.AdminPassword, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return kc, admin
}

// TestKeycloakRealmIsCreateRealms: the imported realm is what
// `openstream keycloak create-realm demo` makes with compose's FRONTEND_HOST
// and BACKEND_BASE_URL: roles, the public client with its mapper, and the
// demo users with their passwords and roles.
func TestKeycloakRealmIsCreateRealms(t *testing.T) {
	file := loadRealm(t)
	env := envFile(t, "dev-environment", "openstream.env")
	kc, admin := startKeycloak(t)
	if _, err := keycloak.CreateRealm(context.Background(), admin, keycloak.RealmOptions{
		Realm: demoRealm, FrontendOrigin: env["FRONTEND_HOST"], BackendBaseURL: env["BACKEND_BASE_URL"],
	}); err != nil {
		t.Fatal(err)
	}
	made, _ := kc.Realm(demoRealm)

	if file.DisplayName != made.DisplayName || file.DisplayNameHTML != demoRealm || file.Enabled != made.Enabled ||
		file.LoginWithEmailAllowed != made.LoginWithEmailAllowed || file.RegistrationAllowed != made.RegistrationAllowed {
		t.Errorf("realm settings %+v, create-realm made %+v", file, made)
	}

	roles := map[string]string{}
	for _, r := range file.Roles.Realm {
		roles[r.Name] = r.Description
	}
	for _, name := range []string{collections.RoleOrgAdmin, collections.RoleOrgUser} {
		if desc, ok := roles[name]; !ok || desc != made.RoleDescriptions[name] {
			t.Errorf("realm role %s: %q, create-realm: %q", name, desc, made.RoleDescriptions[name])
		}
	}
	if len(roles) != 2 {
		t.Errorf("realm roles %v, want only %s and %s", keys(roles), collections.RoleOrgAdmin, collections.RoleOrgUser)
	}

	if len(file.Clients) != 1 || len(made.Clients) != 1 {
		t.Fatalf("clients: %d in the file, %d made", len(file.Clients), len(made.Clients))
	}
	want := made.Clients[0]
	delete(want, "id")
	if got := file.client(t); !reflect.DeepEqual(got, want) {
		gotJSON, _ := json.MarshalIndent(got, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("client in the file:\n%s\ncreate-realm's:\n%s", gotJSON, wantJSON)
	}

	type demoUser struct {
		Username, Email, Password string
		FirstName, LastName       string
		EmailVerified, Enabled    bool
		Temporary                 bool
		Roles                     []string
	}
	var fromFile, fromCommand []demoUser
	for _, u := range file.Users {
		if len(u.Credentials) != 1 || u.Credentials[0].Type != "password" || len(u.RequiredActions) != 0 {
			t.Errorf("user %s: credentials %+v, required actions %v", u.Username, u.Credentials, u.RequiredActions)
			continue
		}
		// Keycloak 26's user profile asks for names at the first sign-in
		// when they are missing; the demo users have them.
		if u.FirstName == "" || u.LastName == "" {
			t.Errorf("user %s has no first or last name", u.Username)
		}
		roles := slices.Clone(u.RealmRoles)
		sort.Strings(roles)
		fromFile = append(fromFile, demoUser{u.Username, u.Email, u.Credentials[0].Value, u.FirstName, u.LastName, u.EmailVerified, u.Enabled, u.Credentials[0].Temporary, roles})
	}
	for _, u := range kc.Users(demoRealm) {
		roles := slices.Clone(u.RealmRoles)
		sort.Strings(roles)
		fromCommand = append(fromCommand, demoUser{u.Username, u.Email, u.Password, u.FirstName, u.LastName, u.EmailVerified, !u.Disabled, u.Temporary, roles})
	}
	sort.Slice(fromFile, func(i, j int) bool { return fromFile[i].Username < fromFile[j].Username })
	if !reflect.DeepEqual(fromFile, fromCommand) {
		t.Errorf("users in the file:\n%+v\ncreate-realm's:\n%+v", fromFile, fromCommand)
	}
}

// TestKeycloakRealmGivesTheClaimsTheLoginReads: the client's scopes and
// mapper put into the ID token and userinfo what keycloak/login.go reads.
func TestKeycloakRealmGivesTheClaimsTheLoginReads(t *testing.T) {
	client := loadRealm(t).client(t)
	if client["publicClient"] != true || client["standardFlowEnabled"] != true || client["implicitFlowEnabled"] != false {
		t.Errorf("the client is not a public code-flow client: %v", client)
	}
	// Keycloak 26's default client scopes and the claims they carry.
	scopes := map[string][]string{
		"basic":   {"sub"},
		"profile": {"preferred_username", "given_name", "family_name"},
		"email":   {"email"},
	}
	var defaults []string
	for _, s := range list(client["defaultClientScopes"]) {
		defaults = append(defaults, str(s))
	}
	for scope, claims := range scopes {
		if !slices.Contains(defaults, scope) {
			t.Errorf("default client scopes %v lack %s, which carries %v", defaults, scope, claims)
		}
	}
	// realm_access.roles: the roles that become memberships, in the ID
	// token and in userinfo (Keycloak's "roles" scope puts them in the access
	// token only).
	found := false
	for _, m := range list(client["protocolMappers"]) {
		mapper, _ := m.(map[string]any)
		cfg, _ := mapper["config"].(map[string]any)
		if mapper["protocolMapper"] == "oidc-usermodel-realm-role-mapper" && cfg["claim.name"] == "realm_access.roles" &&
			cfg["multivalued"] == "true" && cfg["id.token.claim"] == "true" && cfg["userinfo.token.claim"] == "true" {
			found = true
		}
	}
	if !found {
		t.Errorf("no realm-role mapper puts realm_access.roles in the ID token and userinfo: %v", client["protocolMappers"])
	}
	// The sign-in returns to /auth/code/ on the browser's address of the
	// backend, and the sign-out to the frontend's sign-in page.
	env := envFile(t, "dev-environment", "openstream.env")
	var redirects []string
	for _, r := range list(client["redirectUris"]) {
		redirects = append(redirects, str(r))
	}
	for _, uri := range []string{env["BACKEND_BASE_URL"] + "/auth/code/?org=" + demoRealm, env["FRONTEND_HOST"] + "/" + demoRealm + "/sign-in"} {
		if !redirectAllowed(redirects, uri) {
			t.Errorf("redirect URIs %v do not allow %s", redirects, uri)
		}
	}
	if attrs, _ := client["attributes"].(map[string]any); attrs["post.logout.redirect.uris"] != "+" {
		t.Errorf("post-logout redirect URIs are not the redirect URIs: %v", attrs)
	}
}

// redirectAllowed is Keycloak's rule: exact, or a prefix before a trailing *.
func redirectAllowed(patterns []string, uri string) bool {
	for _, p := range patterns {
		if p == uri || strings.HasSuffix(p, "*") && strings.HasPrefix(uri, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

// importRealm loads the realm file into the look-alike through the admin
// API, as `start-dev --import-realm` loads it into Keycloak.
func importRealm(t *testing.T, admin *keycloak.Admin, file realmFile) {
	t.Helper()
	ctx := context.Background()
	if err := admin.CreateRealm(ctx, map[string]any{
		"realm": file.Realm, "displayName": file.DisplayName, "displayNameHtml": file.DisplayNameHTML, "enabled": file.Enabled,
		"loginWithEmailAllowed": file.LoginWithEmailAllowed, "registrationAllowed": file.RegistrationAllowed,
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range file.Roles.Realm {
		if _, err := admin.EnsureRealmRole(ctx, file.Realm, r.Name, r.Description); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range file.Clients {
		if _, err := admin.CreateClient(ctx, file.Realm, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range file.Users {
		id, err := admin.CreateUser(ctx, file.Realm, u.UserRepresentation)
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.AddRealmRoles(ctx, file.Realm, id, u.RealmRoles...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKeycloakDemoSignIn signs each demo user in through /auth/signin/?org=demo
// with the realm file, the compose env file and the real sign-in handlers:
// Keycloak accepts the backend's redirect, and the user comes back to the
// frontend with a token pair and the membership the realm role grants.
func TestKeycloakDemoSignIn(t *testing.T) {
	file := loadRealm(t)
	kc, admin := startKeycloak(t)
	importRealm(t, admin, file)

	env := envFile(t, "dev-environment", "openstream.env")
	// Keycloak runs on loopback here rather than at localhost:8080.
	env["KEYCLOAK_URL"], env["KEYCLOAK_INTERNAL_URL"] = kc.URL(), kc.URL()
	site := settings.FromEnv(getter(env))
	app := testapp.New(t)
	api.Register(app, api.Config{Settings: site, Tokens: authtoken.DefaultLifetimes})
	keycloak.NewLogin(keycloak.ConfigFromEnv(getter(env)), site, authtoken.DefaultLifetimes).Register(app)
	// What `just up` runs.
	just := readRepoFile(t, "justfile")
	if !regexp.MustCompile(`openstream create-organisation "Demo Kommune" ` + demoRealm + `\b`).MatchString(just) {
		t.Fatalf("`just up` does not create the organisation %q", demoRealm)
	}
	if _, err := provision.CreateOrganisation(app, "Demo Kommune", demoRealm); err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(backend.Close)
	// The browser knows the backend as BACKEND_BASE_URL; here it is backend.URL.
	public, _ := url.Parse(env["BACKEND_BASE_URL"])

	for _, u := range file.Users {
		t.Run(u.Username, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := browser.Get(backend.URL + "/auth/signin/?org=" + demoRealm)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusFound {
				t.Fatalf("/auth/signin/ answered %d", res.StatusCode)
			}
			authURL, _ := url.Parse(res.Header.Get("Location"))
			if got := authURL.Query().Get("redirect_uri"); got != env["BACKEND_BASE_URL"]+"/auth/code/?org="+demoRealm {
				t.Errorf("redirect_uri %s", got)
			}
			if got := authURL.Query().Get("client_id"); got != keycloak.DefaultClientID {
				t.Errorf("client_id %s", got)
			}
			back := kc.SignIn(t, authURL.String(), u.Username, u.Credentials[0].Value)
			if back.Host != public.Host || back.Path != "/auth/code/" {
				t.Fatalf("Keycloak sent the browser to %s", back)
			}
			back.Scheme, back.Host = "http", strings.TrimPrefix(backend.URL, "http://")
			res, err = browser.Get(back.String())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			callback, _ := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusFound || callback.Scheme+"://"+callback.Host != env["FRONTEND_HOST"] ||
				callback.Path != "/"+demoRealm+"/sign-in-callback" || callback.Query().Get("access") == "" {
				t.Fatalf("/auth/code/ answered %d, to %s", res.StatusCode, callback)
			}
			if got := callback.Query().Get("username"); got != u.Username {
				t.Errorf("signed in as %q", got)
			}

			user, err := app.FindFirstRecordByData(collections.Users, "username", u.Username)
			if err != nil {
				t.Fatal(err)
			}
			org, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", demoRealm)
			if err != nil {
				t.Fatal(err)
			}
			for _, role := range u.RealmRoles {
				if _, err := app.FindFirstRecordByFilter(collections.Memberships, "user = {:u} && organisation = {:o} && role = {:r}",
					dbx.Params{"u": user.Id, "o": org.Id, "r": role}); err != nil {
					t.Errorf("no %s membership in %s: %v", role, demoRealm, err)
				}
			}
		})
	}
}
