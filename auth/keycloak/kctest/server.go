// Package kctest runs a small Keycloak look-alike on loopback for tests: the
// OpenID Connect endpoints a browser login and a back channel use, and the
// slice of the admin REST API the operator commands call. It speaks real HTTP
// with Keycloak 26's paths, status codes and JSON shapes, so code under test
// talks to it exactly as it talks to Keycloak.
//
// Keycloak habits it copies on purpose, because code must cope with them:
//   - usernames and e-mails are stored lower-cased, and username search is
//     case-insensitive;
//   - users created through the admin API without "enabled": true are
//     disabled, and "realmRoles" in a create body is ignored (roles are
//     assigned through role-mappings);
//   - every user also holds the realm's default roles
//     (default-roles-<realm>, offline_access, uma_authorization) in
//     realm_access.roles;
//   - realm_access is in the ID token and userinfo only when the client has a
//     realm-role protocol mapper asking for it (AddRealm's client has);
//   - admin tokens live 60 seconds, user access tokens 300;
//   - a temporary password leads to the "Update password" form at login and
//     makes the password grant fail with "Account is not fully set up";
//   - errors after redirect_uri has been validated at the auth endpoint go
//     back to redirect_uri as error=...&error_description=...; a scope without
//     "openid" is plain OAuth2 and gets no id_token.
package kctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Credentials and names of the built-in master realm.
const (
	AdminUsername = "admin"
	AdminPassword = "admin-secret"
	MasterRealm   = "master"
	AdminClientID = "admin-cli"
	// ClientID is the public client AddRealm creates in every realm.
	ClientID = "openstream-api"
)

// Lifetimes, as Keycloak's defaults.
const (
	adminTokenLifetime   = 60 * time.Second
	accessTokenLifetime  = 300 * time.Second
	refreshTokenLifetime = 1800 * time.Second
	codeLifetime         = 60 * time.Second
)

// User is a realm user as tests see it.
type User struct {
	ID            string
	Username      string
	Password      string
	Email         string
	FirstName     string
	LastName      string
	EmailVerified bool
	// RealmRoles are the roles assigned to the user (not the realm's
	// default roles, which every user holds implicitly).
	RealmRoles []string
	// PrivilegeList is the raw value of the custom "sso_privilege_list"
	// userinfo claim (base64 XML); empty leaves the claim out.
	PrivilegeList string
	// Temporary marks the password as one the user must change at login.
	Temporary bool
	// Disabled users cannot log in (admin-created users are disabled unless
	// the create body says "enabled": true).
	Disabled bool
}

// RealmState is what a realm looks like after the admin calls made so far.
type RealmState struct {
	Name                  string
	DisplayName           string
	Enabled               bool
	LoginWithEmailAllowed bool
	RegistrationAllowed   bool
	SMTPServer            map[string]string
	// Roles are the realm role names, default roles included, in creation order.
	Roles []string
	// RoleDescriptions maps role name to description.
	RoleDescriptions map[string]string
	// Clients are the client representations as posted, plus their "id".
	Clients []map[string]any
}

// Server is a running Keycloak look-alike.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	realms  map[string]*realm
	pending map[string]*authRequest // by session_code
	codes   map[string]*authCode    // by code
}

type realm struct {
	id      string
	name    string
	key     *rsa.PrivateKey
	kid     string
	rep     map[string]any // merged realm representation
	roles   []*role
	clients []*client
	users   []*user
	// sessions ended through logout (by sid); their tokens stop working.
	ended     map[string]bool
	failToken []failure
	loggedOut []url.Values
}

type role struct {
	id, name, description string
}

type client struct {
	id           string
	clientID     string
	public       bool
	secret       string
	redirectURIs []string
	standardFlow bool
	directGrants bool
	// Whether realm_access.roles goes into the ID token and userinfo.
	rolesInIDToken, rolesInUserinfo bool
	rep                             map[string]any
}

type user struct {
	User
	created time.Time
}

type failure struct {
	status int
	body   string
}

// authRequest is a browser login between the auth endpoint and the code.
type authRequest struct {
	realm, clientID, redirectURI, scope string
	state, nonce                        string
	challenge, challengeMethod          string
	userID                              string // set once the password was right but must be changed
}

type authCode struct {
	realm, clientID, redirectURI, scope string
	nonce, challenge, challengeMethod   string
	userID, sessionID                   string
	authTime                            time.Time
	expires                             time.Time
}

// Start runs a server on loopback with the master realm (user admin with
// AdminPassword, client admin-cli), closed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:       t,
		realms:  map[string]*realm{},
		pending: map[string]*authRequest{},
		codes:   map[string]*authCode{},
	}
	s.srv = httptest.NewServer(s.routes())
	t.Cleanup(s.srv.Close)

	s.mu.Lock()
	defer s.mu.Unlock()
	master := s.newRealm(MasterRealm, map[string]any{"displayName": "Keycloak", "displayNameHtml": "<div class=\"kc-logo-text\"><span>Keycloak</span></div>"})
	master.roles = append(master.roles, &role{id: uuid.NewString(), name: "admin", description: "${role_admin}"}, &role{id: uuid.NewString(), name: "create-realm", description: "${role_create-realm}"})
	master.clients = append(master.clients, &client{
		id: uuid.NewString(), clientID: AdminClientID, public: true, directGrants: true,
		rep: map[string]any{"clientId": AdminClientID, "publicClient": true, "directAccessGrantsEnabled": true},
	})
	master.users = append(master.users, &user{
		User:    User{ID: uuid.NewString(), Username: AdminUsername, Password: AdminPassword, RealmRoles: []string{"admin", "create-realm"}},
		created: time.Now(),
	})
	return s
}

// URL is the server's base address, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.srv.URL }

// AddRealm creates realm with its own signing key and the public client
// ClientID, which accepts any redirect URI and puts realm roles in every token.
func (s *Server) AddRealm(name string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.realms[name]; ok {
		s.t.Fatalf("kctest: realm %q already exists", name)
	}
	r := s.newRealm(name, map[string]any{"displayName": name})
	rep := map[string]any{
		"clientId": ClientID, "publicClient": true, "standardFlowEnabled": true,
		"redirectUris": []any{"*"}, "webOrigins": []any{"*"},
	}
	r.clients = append(r.clients, &client{
		id: uuid.NewString(), clientID: ClientID, public: true, standardFlow: true,
		redirectURIs: []string{"*"}, rolesInIDToken: true, rolesInUserinfo: true, rep: rep,
	})
}

// newRealm registers an enabled realm with Keycloak's default roles.
// Callers hold s.mu.
func (s *Server) newRealm(name string, extra map[string]any) *realm {
	r := &realm{
		id:    uuid.NewString(),
		name:  name,
		key:   s.nextKey(),
		kid:   randomToken(16),
		ended: map[string]bool{},
		rep: map[string]any{
			"realm": name, "enabled": true, "loginWithEmailAllowed": true,
			"registrationAllowed": false, "duplicateEmailsAllowed": false, "smtpServer": map[string]any{},
		},
	}
	for k, v := range extra {
		r.rep[k] = v
	}
	r.rep["id"] = r.id
	for _, n := range []string{"default-roles-" + name, "offline_access", "uma_authorization"} {
		r.roles = append(r.roles, &role{id: uuid.NewString(), name: n, description: "${role_" + n + "}"})
	}
	s.realms[name] = r
	return r
}

// AddUser adds u to realm and returns it as stored: ID assigned when empty,
// username and e-mail lower-cased as Keycloak does.
func (s *Server) AddUser(realmName string, u User) User {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		s.t.Fatalf("kctest: AddUser: realm %q does not exist", realmName)
	}
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	u.Username = strings.ToLower(u.Username)
	u.Email = strings.ToLower(u.Email)
	if r.userByName(u.Username) != nil {
		s.t.Fatalf("kctest: AddUser: user %q already exists in realm %q", u.Username, realmName)
	}
	for _, name := range u.RealmRoles {
		if r.role(name) == nil {
			r.roles = append(r.roles, &role{id: uuid.NewString(), name: name})
		}
	}
	u.RealmRoles = slices.Clone(u.RealmRoles)
	r.users = append(r.users, &user{User: u, created: time.Now()})
	return u
}

// Users lists realm's users sorted by username.
func (s *Server) Users(realmName string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return nil
	}
	out := make([]User, 0, len(r.users))
	for _, u := range r.sortedUsers() {
		c := u.User
		c.RealmRoles = slices.Clone(c.RealmRoles)
		out = append(out, c)
	}
	return out
}

// Realm reports realm's state; false when it does not exist.
func (s *Server) Realm(name string) (RealmState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[name]
	if r == nil {
		return RealmState{}, false
	}
	st := RealmState{
		Name:                  r.name,
		DisplayName:           stringOf(r.rep["displayName"]),
		Enabled:               r.rep["enabled"] == true,
		LoginWithEmailAllowed: r.rep["loginWithEmailAllowed"] == true,
		RegistrationAllowed:   r.rep["registrationAllowed"] == true,
		SMTPServer:            map[string]string{},
		RoleDescriptions:      map[string]string{},
	}
	if smtp, ok := r.rep["smtpServer"].(map[string]any); ok {
		for k, v := range smtp {
			st.SMTPServer[k] = stringOf(v)
		}
	}
	for _, ro := range r.roles {
		st.Roles = append(st.Roles, ro.name)
		st.RoleDescriptions[ro.name] = ro.description
	}
	for _, c := range r.clients {
		st.Clients = append(st.Clients, c.representation())
	}
	return st, true
}

// FailToken makes the next token-endpoint call for realm answer status with
// body (JSON), whatever it asks for. Calls queue up.
func (s *Server) FailToken(realmName string, status int, body string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		s.t.Fatalf("kctest: FailToken: realm %q does not exist", realmName)
	}
	r.failToken = append(r.failToken, failure{status, body})
}

// LoggedOut returns the parameters of every end-session call for realm.
func (s *Server) LoggedOut(realmName string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return nil
	}
	out := make([]url.Values, len(r.loggedOut))
	for i, v := range r.loggedOut {
		out[i] = cloneValues(v)
	}
	return out
}

func (s *Server) issuer(r *realm) string { return s.srv.URL + "/realms/" + url.PathEscape(r.name) }

func (r *realm) role(name string) *role {
	for _, ro := range r.roles {
		if ro.name == name {
			return ro
		}
	}
	return nil
}

func (r *realm) roleByID(id string) *role {
	for _, ro := range r.roles {
		if ro.id == id {
			return ro
		}
	}
	return nil
}

func (r *realm) client(clientID string) *client {
	for _, c := range r.clients {
		if c.clientID == clientID {
			return c
		}
	}
	return nil
}

func (r *realm) userByName(username string) *user {
	username = strings.ToLower(username)
	for _, u := range r.users {
		if u.Username == username {
			return u
		}
	}
	return nil
}

func (r *realm) userByEmail(email string) *user {
	email = strings.ToLower(email)
	for _, u := range r.users {
		if email != "" && u.Email == email {
			return u
		}
	}
	return nil
}

func (r *realm) userByID(id string) *user {
	for _, u := range r.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// userForLogin finds the user by username or, as loginWithEmailAllowed does, by e-mail.
func (r *realm) userForLogin(name string) *user {
	if u := r.userByName(name); u != nil {
		return u
	}
	if r.rep["loginWithEmailAllowed"] == true && strings.Contains(name, "@") {
		return r.userByEmail(name)
	}
	return nil
}

func (r *realm) sortedUsers() []*user {
	us := slices.Clone(r.users)
	sort.Slice(us, func(i, j int) bool { return us[i].Username < us[j].Username })
	return us
}

// effectiveRoles is what realm_access.roles shows: assigned plus defaults.
func (r *realm) effectiveRoles(u *user) []string {
	roles := slices.Clone(u.RealmRoles)
	for _, d := range []string{"default-roles-" + r.name, "offline_access", "uma_authorization"} {
		if !slices.Contains(roles, d) {
			roles = append(roles, d)
		}
	}
	return roles
}

// allowsRedirect matches Keycloak's redirect URI rules: "*" allows any URI,
// a trailing "*" is a prefix wildcard, anything else must match exactly.
func (c *client) allowsRedirect(uri string) bool {
	for _, p := range c.redirectURIs {
		switch {
		case p == "*":
			return true
		case strings.HasSuffix(p, "*") && strings.HasPrefix(uri, strings.TrimSuffix(p, "*")):
			return true
		case p == uri:
			return true
		}
	}
	return false
}

func (c *client) representation() map[string]any {
	rep := deepCopy(c.rep)
	rep["id"] = c.id
	return rep
}

// clientFromRep reads the settings the server acts on from a posted client
// representation, with Keycloak's defaults for what is missing.
func clientFromRep(rep map[string]any) *client {
	c := &client{
		id:           uuid.NewString(),
		clientID:     stringOf(rep["clientId"]),
		public:       rep["publicClient"] == true,
		secret:       stringOf(rep["secret"]),
		standardFlow: rep["standardFlowEnabled"] != false,
		directGrants: rep["directAccessGrantsEnabled"] == true,
		rep:          deepCopy(rep),
	}
	if list, ok := rep["redirectUris"].([]any); ok {
		for _, v := range list {
			c.redirectURIs = append(c.redirectURIs, stringOf(v))
		}
	}
	mappers, _ := rep["protocolMappers"].([]any)
	for _, m := range mappers {
		mm, _ := m.(map[string]any)
		cfg, _ := mm["config"].(map[string]any)
		if mm["protocolMapper"] != "oidc-usermodel-realm-role-mapper" || cfg["claim.name"] != "realm_access.roles" {
			continue
		}
		c.rolesInIDToken = c.rolesInIDToken || cfg["id.token.claim"] == "true"
		c.rolesInUserinfo = c.rolesInUserinfo || cfg["userinfo.token.claim"] == "true"
	}
	return c
}

var keyPool struct {
	sync.Mutex
	keys []*rsa.PrivateKey
}

// nextKey hands each realm of this server its own RSA-2048 key. Keys are
// shared between servers (each server numbers its realms from zero) because
// generating one costs tens of milliseconds, more under -race; issuers differ
// per server, so a token from one server still fails at another.
func (s *Server) nextKey() *rsa.PrivateKey {
	i := len(s.realms)
	keyPool.Lock()
	defer keyPool.Unlock()
	for len(keyPool.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keyPool.keys = append(keyPool.keys, k)
	}
	return keyPool.keys[i]
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

func deepCopy(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}
