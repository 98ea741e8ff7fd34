package keycloak

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"golang.org/x/oauth2"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
)

// stateCookie carries state, nonce and PKCE verifier from /auth/signin/ to
// /auth/code/. Upstream used none of the three; they stop forged callbacks
// and code injection at no cost to the frontend.
const (
	stateCookie    = "openstream_sso"
	stateCookieTTL = 10 * time.Minute
)

// syncedRoles are the only realm roles that become memberships: a realm
// role called super_admin must not make anyone a global super admin, and
// suborg/branch roles need a suborg or branch a realm cannot name.
var syncedRoles = []string{collections.RoleOrgAdmin, collections.RoleOrgUser}

// Login serves /auth/signin/, /auth/code/ and /auth/signout/api.
type Login struct {
	cfg    Config
	site   settings.Settings
	tokens authtoken.Lifetimes
	client *http.Client
}

// NewLogin builds the sign-in handlers.
func NewLogin(cfg Config, site settings.Settings, tokens authtoken.Lifetimes) *Login {
	return &Login{cfg: cfg, site: site, tokens: tokens, client: &http.Client{Timeout: cfg.Timeout}}
}

// Register mounts the sign-in routes on every server app starts.
func (l *Login) Register(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "openstreamKeycloak",
		Func: func(se *core.ServeEvent) error {
			l.Mount(se.Router)
			return se.Next()
		},
	})
}

// Mount adds the routes to r.
func (l *Login) Mount(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/auth/signin/", rest.Methods{http.MethodGet: l.browserErrors(l.signIn)})
	rest.Route(r, "/auth/code/", rest.Methods{http.MethodGet: l.browserErrors(l.code)})
	rest.Route(r, "/auth/signout/api", rest.Methods{http.MethodGet: rest.Authed(l.signOut)})
}

type flowState struct {
	Org      string `json:"o"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

var errMissingOrg = rest.Detail(http.StatusBadRequest, "Missing org_realm")

func (l *Login) notConfigured() error {
	return rest.Detail(http.StatusServiceUnavailable, "Keycloak sign-in is not configured on this server (set KEYCLOAK_URL or KEYCLOAK_HOST). Password login through /api/token/ still works.")
}

// organisation finds the organisation whose realm is org (exact uri_name).
func organisation(app core.App, org string) (*core.Record, error) {
	rec, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", org)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rest.NotFound("Organisation")
	}
	return rec, err
}

func (l *Login) oauth(e *core.RequestEvent, org string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: l.cfg.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   l.cfg.RealmURL(org) + "/protocol/openid-connect/auth",
			TokenURL:  l.cfg.InternalRealmURL(org) + "/protocol/openid-connect/token",
			AuthStyle: oauth2.AuthStyleInParams, // a public client: client_id in the form
		},
		RedirectURL: rest.AbsoluteURL(e, l.site, "/auth/code/?org="+url.QueryEscape(org)),
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// signIn sends the browser to the organisation's realm.
func (l *Login) signIn(e *core.RequestEvent) error {
	org := e.Request.URL.Query().Get("org")
	if org == "" {
		return errMissingOrg
	}
	if !l.cfg.Enabled() {
		return l.notConfigured()
	}
	if _, err := organisation(e.App, org); err != nil {
		return err
	}
	st := flowState{Org: org, State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	raw, _ := json.Marshal(st)
	http.SetCookie(e.Response, &http.Cookie{
		Name:     stateCookie,
		Value:    base64.RawURLEncoding.EncodeToString(raw),
		Path:     "/auth/",
		MaxAge:   int(stateCookieTTL.Seconds()),
		HttpOnly: true,
		Secure:   strings.HasPrefix(rest.AbsoluteURL(e, l.site, ""), "https:"),
		SameSite: http.SameSiteLaxMode, // sent on Keycloak's top-level redirect back
	})
	target := l.oauth(e, org).AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	return e.Redirect(http.StatusFound, target)
}

func readFlowState(e *core.RequestEvent) (flowState, bool) {
	var st flowState
	c, err := e.Request.Cookie(stateCookie)
	if err != nil {
		return st, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || json.Unmarshal(raw, &st) != nil {
		return st, false
	}
	return st, st.State != "" && st.Nonce != "" && st.Verifier != ""
}

// code is the redirect target of Keycloak: exchange the code, verify the
// ID token, create or link the local user, and hand the frontend a token pair.
func (l *Login) code(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	org := q.Get("org")
	if org == "" {
		return errMissingOrg
	}
	if !l.cfg.Enabled() {
		return l.notConfigured()
	}
	orgRec, err := organisation(e.App, org)
	if err != nil {
		return err
	}
	if kcErr := q.Get("error"); kcErr != "" {
		return &rest.Error{Status: http.StatusForbidden, Body: map[string]any{"error": kcErr, "error_description": q.Get("error_description")}}
	}
	code := q.Get("code")
	if code == "" {
		return rest.Detail(http.StatusBadRequest, "Missing SSO authorization code")
	}
	st, ok := readFlowState(e)
	if !ok || st.Org != org || st.State != q.Get("state") {
		return rest.Detail(http.StatusBadRequest, "The sign-in session is missing, expired or does not match this browser. Start the sign-in again.")
	}
	http.SetCookie(e.Response, &http.Cookie{Name: stateCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true})

	ctx, cancel := context.WithTimeout(oidc.ClientContext(e.Request.Context(), l.client), 3*l.cfg.Timeout)
	defer cancel()
	id, err := l.exchange(ctx, e, org, code, st)
	if err != nil {
		return err
	}
	user, err := l.linkUser(e.App, orgRec, id)
	if err != nil {
		return err
	}
	pair, err := authtoken.NewPair(user, l.tokens)
	if err != nil {
		return err
	}
	back := url.Values{"username": {user.GetString("username")}, "access": {pair.Access}, "refresh": {pair.Refresh}}
	return e.Redirect(http.StatusFound, l.site.FrontendHost+"/"+url.PathEscape(org)+"/sign-in-callback?"+back.Encode())
}

// identity is what the login learned about the Keycloak user.
type identity struct {
	Username, Email, FirstName, LastName string
	Roles                                []string
	Privileges                           map[string]bool
	Token                                *oauth2.Token
	IDToken                              string
}

type claims struct {
	Subject           string `json:"sub"`
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
	RealmAccess       struct {
		Roles []string `json:"roles"`
	} `json:"realm_access"`
	PrivilegeList string `json:"sso_privilege_list"`
}

func (l *Login) exchange(ctx context.Context, e *core.RequestEvent, org, code string, st flowState) (*identity, error) {
	tok, err := l.oauth(e, org).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.Response.StatusCode == 400 || re.Response.StatusCode == 401 || re.Response.StatusCode == 403) {
			var body any = map[string]any{"error": re.ErrorCode, "error_description": re.ErrorDescription}
			if json.Valid(re.Body) {
				body = json.RawMessage(re.Body)
			}
			return nil, &rest.Error{Status: re.Response.StatusCode, Body: body}
		}
		return nil, unreachable(e, "token exchange", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, rest.Detail(http.StatusBadGateway, "Keycloak answered without an ID token; is the openid scope enabled for the client?")
	}
	provider, err := l.provider(ctx, org)
	if err != nil {
		return nil, unreachable(e, "discovery", err)
	}
	idTok, err := provider.Verifier(&oidc.Config{ClientID: l.cfg.ClientID}).Verify(ctx, rawID)
	if err != nil {
		return nil, rest.Detail(http.StatusUnauthorized, "The ID token from Keycloak could not be verified: "+err.Error())
	}
	if idTok.Nonce != st.Nonce {
		return nil, rest.Detail(http.StatusUnauthorized, "The ID token from Keycloak does not belong to this sign-in.")
	}
	var fromID, fromInfo claims
	if err := idTok.Claims(&fromID); err != nil {
		return nil, rest.Detail(http.StatusBadGateway, "Keycloak's ID token has unreadable claims.")
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, unreachable(e, "userinfo", err)
	}
	if err := info.Claims(&fromInfo); err != nil || fromInfo.Subject != idTok.Subject {
		return nil, rest.Detail(http.StatusBadGateway, "Keycloak's userinfo does not match the ID token.")
	}
	id := &identity{
		Username:   fromInfo.PreferredUsername,
		Email:      fromInfo.Email,
		FirstName:  fromInfo.GivenName,
		LastName:   fromInfo.FamilyName,
		Roles:      fromInfo.RealmAccess.Roles,
		Privileges: PrivilegeKeys(fromInfo.PrivilegeList),
		Token:      tok,
		IDToken:    rawID,
	}
	if len(id.Roles) == 0 {
		// Upstream read the access token unverified; the verified ID
		// token carries the same realm_access claim.
		id.Roles = fromID.RealmAccess.Roles
	}
	if id.Username == "" {
		id.Username = fromID.PreferredUsername
	}
	if id.Username == "" {
		return nil, rest.Detail(http.StatusBadGateway, "Keycloak sent no preferred_username for this user.")
	}
	return id, nil
}

// provider reads the realm's issuer from the back-channel discovery document
// and pins every endpoint the server calls to the back-channel address, so a
// Keycloak whose issuer is its public name still works from inside compose.
func (l *Login) provider(ctx context.Context, org string) (*oidc.Provider, error) {
	base := l.cfg.InternalRealmURL(org)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discovery: %s", resp.Status)
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc); err != nil || doc.Issuer == "" {
		return nil, fmt.Errorf("discovery: no issuer (%v)", err)
	}
	return (&oidc.ProviderConfig{
		IssuerURL:   doc.Issuer,
		AuthURL:     l.cfg.RealmURL(org) + "/protocol/openid-connect/auth",
		TokenURL:    base + "/protocol/openid-connect/token",
		UserInfoURL: base + "/protocol/openid-connect/userinfo",
		JWKSURL:     base + "/protocol/openid-connect/certs",
		Algorithms:  []string{oidc.RS256, oidc.ES256, oidc.PS256},
	}).NewProvider(ctx), nil
}

func unreachable(e *core.RequestEvent, step string, err error) error {
	e.App.Logger().Warn("keycloak "+step+" failed", "error", err)
	return rest.Detail(http.StatusBadGateway, "Keycloak could not complete the sign-in ("+step+"). Try again later.")
}

// linkUser finds or creates the local user and adds the org memberships the
// realm grants, all in one transaction, and stores the Keycloak session.
func (l *Login) linkUser(app core.App, org *core.Record, id *identity) (*core.Record, error) {
	var user *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		existing, err := findLocalUser(tx, id.Username)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !grantsAccess(id) {
				return rest.Detail(http.StatusForbidden, "You don't have access to OpenStream")
			}
			if user, err = createUser(tx, id); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			// An existing local user always passes, as upstream; but an
			// account an admin switched off stays off.
			if !existing.GetBool("is_active") {
				return rest.Detail(http.StatusForbidden, "User is inactive")
			}
			user = existing
		}
		for _, role := range syncedRoles {
			if slices.Contains(id.Roles, role) || id.Privileges[role] {
				if err := ensureMembership(tx, user.Id, org.Id, role); err != nil {
					return err
				}
			}
		}
		return storeSession(tx, user.Id, id)
	})
	return user, err
}

// findLocalUser matches the Keycloak username exactly, as upstream does,
// and else case-insensitively when that names exactly one user: Keycloak
// lower-cases every username, so an imported "Anne.Hansen" would otherwise
// never be linked.
func findLocalUser(app core.App, username string) (*core.Record, error) {
	user, err := app.FindFirstRecordByData(collections.Users, "username", username)
	if !errors.Is(err, sql.ErrNoRows) {
		return user, err
	}
	var matches []*core.Record
	err = app.RecordQuery(collections.Users).
		AndWhere(dbx.NewExp("LOWER([[username]]) = LOWER({:u})", dbx.Params{"u": username})).
		Limit(2).All(&matches)
	if err != nil {
		return nil, err
	}
	if len(matches) != 1 {
		return nil, sql.ErrNoRows
	}
	return matches[0], nil
}

func grantsAccess(id *identity) bool {
	for _, role := range syncedRoles {
		if slices.Contains(id.Roles, role) || id.Privileges[role] {
			return true
		}
	}
	return false
}

func createUser(app core.App, id *identity) (*core.Record, error) {
	user, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		return nil, err
	}
	user.Set("username", id.Username)
	user.Set("first_name", id.FirstName)
	user.Set("last_name", id.LastName)
	// Upstream allowed duplicate e-mails; PocketBase does not. A taken
	// address is left off rather than refusing the sign-in.
	if id.Email != "" {
		if _, err := app.FindAuthRecordByEmail(collections.Users, id.Email); err != nil {
			user.SetEmail(id.Email)
		}
	}
	user.SetVerified(true)
	user.SetRandomPassword() // SSO users have no usable local password
	if err := app.Save(user); err != nil {
		return nil, fmt.Errorf("create SSO user %q: %w", id.Username, err)
	}
	return user, nil
}

func ensureMembership(app core.App, userID, orgID, role string) error {
	_, err := app.FindFirstRecordByFilter(collections.Memberships,
		"user = {:u} && organisation = {:o} && role = {:r} && suborganisation = '' && branch = ''",
		dbx.Params{"u": userID, "o": orgID, "r": role})
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	m, err := collections.NewRecord(app, collections.Memberships)
	if err != nil {
		return err
	}
	m.Set("user", userID)
	m.Set("organisation", orgID)
	m.Set("role", role)
	return app.Save(m)
}

// storeSession keeps the Keycloak tokens of the user's latest SSO login
// (the ID token is the logout hint).
func storeSession(app core.App, userID string, id *identity) error {
	old, err := app.FindAllRecords(collections.KeycloakSessions, dbx.HashExp{"user": userID})
	if err != nil {
		return err
	}
	for _, rec := range old {
		if err := app.Delete(rec); err != nil {
			return err
		}
	}
	s, err := collections.NewRecord(app, collections.KeycloakSessions)
	if err != nil {
		return err
	}
	s.Set("user", userID)
	s.Set("access_token", id.Token.AccessToken)
	s.Set("refresh_token", id.Token.RefreshToken)
	s.Set("id_token", id.IDToken)
	return app.Save(s)
}

// signOut answers where the frontend should send the browser: Keycloak's
// end-session endpoint after an SSO login, else straight to the sign-in
// page (upstream crashed for password users and left them stuck).
func (l *Login) signOut(e *core.RequestEvent, user *core.Record) error {
	org := e.Request.URL.Query().Get("org")
	if org == "" {
		return errMissingOrg
	}
	if _, err := organisation(e.App, org); err != nil {
		return err
	}
	signIn := l.site.FrontendHost + "/" + url.PathEscape(org) + "/sign-in"
	session, err := e.App.FindFirstRecordByData(collections.KeycloakSessions, "user", user.Id)
	if err != nil || !l.cfg.Enabled() || session.GetString("id_token") == "" {
		return rest.JSON(e, http.StatusOK, map[string]any{"redirect_url": signIn})
	}
	q := url.Values{"post_logout_redirect_uri": {signIn}, "id_token_hint": {session.GetString("id_token")}}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"redirect_url": l.cfg.RealmURL(org) + "/protocol/openid-connect/logout?" + q.Encode(),
	})
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
