package kctest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	oidc := "/realms/{realm}/protocol/openid-connect/"
	mux.HandleFunc("GET /realms/{realm}/.well-known/openid-configuration", s.realmHandler(s.discovery))
	mux.HandleFunc("GET "+oidc+"certs", s.realmHandler(s.certs))
	mux.HandleFunc("GET "+oidc+"auth", s.realmHandler(s.auth))
	mux.HandleFunc("POST "+oidc+"auth", s.realmHandler(s.auth))
	mux.HandleFunc("POST /realms/{realm}/login-actions/authenticate", s.realmHandler(s.authenticate))
	mux.HandleFunc("POST /realms/{realm}/login-actions/required-action", s.realmHandler(s.updatePassword))
	mux.HandleFunc("POST "+oidc+"token", s.realmHandler(s.token))
	mux.HandleFunc("GET "+oidc+"userinfo", s.realmHandler(s.userinfo))
	mux.HandleFunc("POST "+oidc+"userinfo", s.realmHandler(s.userinfo))
	mux.HandleFunc("GET "+oidc+"logout", s.realmHandler(s.logout))
	mux.HandleFunc("POST "+oidc+"logout", s.realmHandler(s.logout))
	s.adminRoutes(mux)
	return mux
}

// realmHandler resolves {realm} under the lock; handlers run holding s.mu.
func (s *Server) realmHandler(h func(http.ResponseWriter, *http.Request, *realm)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r := s.realms[req.PathValue("realm")]
		if r == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm does not exist"})
			return
		}
		h(w, req, r)
	}
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request, r *realm) {
	iss := s.issuer(r)
	oidc := iss + "/protocol/openid-connect"
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                oidc + "/auth",
		"token_endpoint":                        oidc + "/token",
		"introspection_endpoint":                oidc + "/token/introspect",
		"userinfo_endpoint":                     oidc + "/userinfo",
		"end_session_endpoint":                  oidc + "/logout",
		"jwks_uri":                              oidc + "/certs",
		"check_session_iframe":                  oidc + "/login-status-iframe.html",
		"frontchannel_logout_session_supported": true,
		"frontchannel_logout_supported":         true,
		"grant_types_supported":                 []string{"authorization_code", "implicit", "refresh_token", "password", "client_credentials"},
		"response_types_supported":              []string{"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"userinfo_signing_alg_values_supported": []string{"RS256", "none"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "client_secret_jwt"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "roles", "web-origins", "acr", "basic", "address", "phone", "offline_access", "organization", "microprofile-jwt"},
		"claims_supported":                      []string{"aud", "sub", "iss", "auth_time", "name", "given_name", "family_name", "preferred_username", "email", "acr"},
		"claims_parameter_supported":            true,
		"request_parameter_supported":           true,
	})
}

func (s *Server) certs(w http.ResponseWriter, _ *http.Request, r *realm) {
	writeJSON(w, http.StatusOK, r.jwks())
}

// auth is the authorization endpoint: it checks the request like Keycloak
// and shows the login form.
func (s *Server) auth(w http.ResponseWriter, req *http.Request, r *realm) {
	_ = req.ParseForm()
	q := req.Form
	c := r.client(q.Get("client_id"))
	if c == nil {
		errorPage(w, http.StatusBadRequest, "Client not found.")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !c.allowsRedirect(redirect) {
		errorPage(w, http.StatusBadRequest, "Invalid parameter: redirect_uri")
		return
	}
	// From here on Keycloak reports errors to the client, not the browser.
	fail := func(code, desc string) {
		http.Redirect(w, req, appendQuery(redirect, "error", code, "error_description", desc, "state", q.Get("state"), "iss", s.issuer(r)), http.StatusFound)
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		fail("invalid_request", "Missing parameter: response_type")
		return
	case rt != "code":
		fail("unsupported_response_type", "Client is not allowed to initiate browser login with given response_type. Implicit flow is disabled for the client.")
		return
	case !c.standardFlow:
		fail("unauthorized_client", "Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client.")
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	if method != "" && method != "S256" && method != "plain" {
		fail("invalid_request", "Invalid parameter: code challenge method is not configured one")
		return
	}
	code := randomToken(16)
	s.pending[code] = &authRequest{
		realm: r.name, clientID: c.clientID, redirectURI: redirect, scope: q.Get("scope"),
		state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), challengeMethod: method,
	}
	s.loginPage(w, r, code, "", "")
}

func (s *Server) loginPage(w http.ResponseWriter, r *realm, sessionCode, username, errMsg string) {
	a := s.pending[sessionCode]
	action := fmt.Sprintf("%s/login-actions/authenticate?session_code=%s&execution=%s&client_id=%s&tab_id=%s",
		s.issuer(r), sessionCode, uuid.NewString(), url.QueryEscape(a.clientID), randomToken(6))
	alert := ""
	if errMsg != "" {
		alert = `<div class="alert-error"><span id="input-error" class="kc-feedback-text" aria-live="polite">` + html.EscapeString(errMsg) + `</span></div>`
	}
	page(w, http.StatusOK, "Sign in to "+stringOf(r.rep["displayName"]), `<h1 id="kc-page-title">Sign in to your account</h1>
`+alert+`
<form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="`+html.EscapeString(action)+`" method="post">
<input tabindex="1" id="username" name="username" value="`+html.EscapeString(username)+`" type="text" autofocus autocomplete="username">
<input tabindex="2" id="password" name="password" type="password" autocomplete="current-password">
<input type="hidden" id="id-hidden-input" name="credentialId">
<input tabindex="4" name="login" id="kc-login" type="submit" value="Sign In">
</form>`)
}

func (s *Server) updatePasswordPage(w http.ResponseWriter, r *realm, sessionCode, errMsg string) {
	action := fmt.Sprintf("%s/login-actions/required-action?session_code=%s&execution=UPDATE_PASSWORD&client_id=%s&tab_id=%s",
		s.issuer(r), sessionCode, url.QueryEscape(s.pending[sessionCode].clientID), randomToken(6))
	alert := `<div class="alert-warning"><span class="kc-feedback-text">You need to change your password to activate your account.</span></div>`
	if errMsg != "" {
		alert = `<div class="alert-error"><span id="input-error-password-confirm" class="kc-feedback-text">` + html.EscapeString(errMsg) + `</span></div>`
	}
	page(w, http.StatusOK, "Update password", `<h1 id="kc-page-title">Update password</h1>
`+alert+`
<form id="kc-passwd-update-form" action="`+html.EscapeString(action)+`" method="post">
<input type="password" id="password-new" name="password-new" autofocus autocomplete="new-password">
<input type="password" id="password-confirm" name="password-confirm" autocomplete="new-password">
<input type="submit" value="Submit">
</form>`)
}

// authenticate takes the login form.
func (s *Server) authenticate(w http.ResponseWriter, req *http.Request, r *realm) {
	code := req.URL.Query().Get("session_code")
	a := s.pending[code]
	if a == nil || a.realm != r.name {
		errorPage(w, http.StatusBadRequest, "Your login attempt timed out. Login will start from the beginning.")
		return
	}
	_ = req.ParseForm()
	name := req.PostForm.Get("username")
	u := r.userForLogin(name)
	if u == nil || subtle.ConstantTimeCompare([]byte(u.Password), []byte(req.PostForm.Get("password"))) != 1 || u.Password == "" {
		s.loginPage(w, r, code, name, "Invalid username or password.")
		return
	}
	if u.Disabled {
		s.loginPage(w, r, code, name, "Account is disabled, contact your administrator.")
		return
	}
	if u.Temporary {
		a.userID = u.ID
		s.updatePasswordPage(w, r, code, "")
		return
	}
	s.finishLogin(w, req, r, code, u)
}

// updatePassword takes the form a temporary password leads to.
func (s *Server) updatePassword(w http.ResponseWriter, req *http.Request, r *realm) {
	code := req.URL.Query().Get("session_code")
	a := s.pending[code]
	if a == nil || a.realm != r.name || a.userID == "" {
		errorPage(w, http.StatusBadRequest, "Your login attempt timed out. Login will start from the beginning.")
		return
	}
	_ = req.ParseForm()
	pw := req.PostForm.Get("password-new")
	switch {
	case pw == "":
		s.updatePasswordPage(w, r, code, "Please specify password.")
		return
	case pw != req.PostForm.Get("password-confirm"):
		s.updatePasswordPage(w, r, code, "Passwords don't match.")
		return
	}
	u := r.userByID(a.userID)
	if u == nil {
		errorPage(w, http.StatusBadRequest, "User not found")
		return
	}
	u.Password, u.Temporary = pw, false
	s.finishLogin(w, req, r, code, u)
}

// finishLogin issues a single-use code and sends the browser back to the client.
func (s *Server) finishLogin(w http.ResponseWriter, req *http.Request, r *realm, sessionCode string, u *user) {
	a := s.pending[sessionCode]
	delete(s.pending, sessionCode)
	now := time.Now()
	sid := uuid.NewString()
	code := uuid.NewString() + "." + sid + "." + uuid.NewString()
	s.codes[code] = &authCode{
		realm: r.name, clientID: a.clientID, redirectURI: a.redirectURI, scope: a.scope,
		nonce: a.nonce, challenge: a.challenge, challengeMethod: a.challengeMethod,
		userID: u.ID, sessionID: sid, authTime: now, expires: now.Add(codeLifetime),
	}
	http.Redirect(w, req, appendQuery(a.redirectURI, "state", a.state, "session_state", sid, "iss", s.issuer(r), "code", code), http.StatusFound)
}

// token is the token endpoint.
func (s *Server) token(w http.ResponseWriter, req *http.Request, r *realm) {
	if len(r.failToken) > 0 {
		f := r.failToken[0]
		r.failToken = r.failToken[1:]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	_ = req.ParseForm()
	f := req.PostForm
	clientID, secret := f.Get("client_id"), f.Get("client_secret")
	if id, sec, ok := req.BasicAuth(); ok {
		clientID, secret = id, sec
	}
	c := r.client(clientID)
	if c == nil || (!c.public && (c.secret == "" || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1)) {
		jsonError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, f, r, c)
	case "password":
		s.passwordGrant(w, f, r, c)
	case "":
		jsonError(w, http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
	default:
		jsonError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
	}
}

func (s *Server) codeGrant(w http.ResponseWriter, f url.Values, r *realm, c *client) {
	codeValue := f.Get("code")
	if codeValue == "" {
		jsonError(w, http.StatusBadRequest, "invalid_request", "Missing parameter: code")
		return
	}
	// A code is spent by its first use, good or bad, as in Keycloak.
	code := s.codes[codeValue]
	delete(s.codes, codeValue)
	if code == nil || code.realm != r.name || time.Now().After(code.expires) {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Code not valid")
		return
	}
	if code.clientID != c.clientID {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Auth error")
		return
	}
	if f.Get("redirect_uri") != code.redirectURI {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Incorrect redirect_uri")
		return
	}
	verifier := f.Get("code_verifier")
	switch {
	case code.challenge == "" && verifier != "":
		jsonError(w, http.StatusBadRequest, "invalid_grant", "PKCE code verifier specified but challenge not present in authorization")
		return
	case code.challenge != "" && verifier == "":
		jsonError(w, http.StatusBadRequest, "invalid_grant", "PKCE code verifier not specified")
		return
	case code.challenge != "" && pkceChallenge(verifier, code.challengeMethod) != code.challenge:
		jsonError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed: Code mismatch")
		return
	}
	u := r.userByID(code.userID)
	if u == nil || r.ended[code.sessionID] {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Session not active")
		return
	}
	writeJSON(w, http.StatusOK, s.tokenResponse(r, c, u, code.sessionID, code.scope, code.nonce, code.authTime, accessTokenLifetime))
}

func (s *Server) passwordGrant(w http.ResponseWriter, f url.Values, r *realm, c *client) {
	if !c.directGrants {
		jsonError(w, http.StatusBadRequest, "unauthorized_client", "Client not allowed for direct access grants")
		return
	}
	u := r.userForLogin(f.Get("username"))
	if u == nil || u.Password == "" || subtle.ConstantTimeCompare([]byte(u.Password), []byte(f.Get("password"))) != 1 {
		jsonError(w, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
		return
	}
	if u.Disabled {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Account disabled")
		return
	}
	if u.Temporary {
		jsonError(w, http.StatusBadRequest, "invalid_grant", "Account is not fully set up")
		return
	}
	lifetime := accessTokenLifetime
	if r.name == MasterRealm {
		lifetime = adminTokenLifetime
	}
	scope := f.Get("scope")
	if scope == "" {
		scope = "email profile"
	}
	writeJSON(w, http.StatusOK, s.tokenResponse(r, c, u, uuid.NewString(), scope, "", time.Now(), lifetime))
}

func pkceChallenge(verifier, method string) string {
	if method == "plain" {
		return verifier
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tokenResponse builds Keycloak's token answer for u's session sid.
func (s *Server) tokenResponse(r *realm, c *client, u *user, sid, scope, nonce string, authTime time.Time, lifetime time.Duration) map[string]any {
	now := time.Now()
	iss := s.issuer(r)
	profile := u.profileClaims()
	roles := map[string]any{"roles": r.effectiveRoles(u)}
	base := func(typ, aud string, exp time.Duration) map[string]any {
		return map[string]any{
			"exp": now.Add(exp).Unix(), "iat": now.Unix(), "jti": uuid.NewString(),
			"iss": iss, "aud": aud, "sub": u.ID, "typ": typ, "azp": c.clientID, "sid": sid,
		}
	}
	access := base("Bearer", "account", lifetime)
	access["session_state"] = sid
	access["acr"] = "1"
	access["realm_access"] = roles
	access["resource_access"] = map[string]any{"account": map[string]any{"roles": []string{"manage-account", "manage-account-links", "view-profile"}}}
	access["scope"] = scope
	for k, v := range profile {
		access[k] = v
	}
	refresh := base("Refresh", iss, refreshTokenLifetime)
	refresh["scope"] = scope
	res := map[string]any{
		"access_token":       r.sign(access),
		"expires_in":         int(lifetime.Seconds()),
		"refresh_expires_in": int(refreshTokenLifetime.Seconds()),
		"refresh_token":      r.sign(refresh),
		"token_type":         "Bearer",
		"not-before-policy":  0,
		"session_state":      sid,
		"scope":              scope,
	}
	if slices.Contains(strings.Fields(scope), "openid") {
		id := base("ID", c.clientID, lifetime)
		id["auth_time"] = authTime.Unix()
		id["session_state"] = sid
		id["acr"] = "1"
		if nonce != "" {
			id["nonce"] = nonce
		}
		if c.rolesInIDToken {
			id["realm_access"] = roles
		}
		for k, v := range profile {
			id[k] = v
		}
		res["id_token"] = r.sign(id)
	}
	return res
}

// profileClaims are the profile and email scope claims; Keycloak leaves
// out what is empty.
func (u *user) profileClaims() map[string]any {
	c := map[string]any{"preferred_username": u.Username, "email_verified": u.EmailVerified}
	if u.Email != "" {
		c["email"] = u.Email
	}
	if u.FirstName != "" {
		c["given_name"] = u.FirstName
	}
	if u.LastName != "" {
		c["family_name"] = u.LastName
	}
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		c["name"] = name
	}
	return c
}

func (s *Server) userinfo(w http.ResponseWriter, req *http.Request, r *realm) {
	claims, err := r.verify(bearer(req.Header.Get("Authorization")), s.issuer(r), "Bearer")
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+r.name+`", error="invalid_token", error_description="Token verification failed"`)
		jsonError(w, http.StatusUnauthorized, "invalid_token", "Token verification failed")
		return
	}
	u := r.userByID(stringOf(claims["sub"]))
	if u == nil {
		jsonError(w, http.StatusUnauthorized, "invalid_token", "User not found")
		return
	}
	out := u.profileClaims()
	out["sub"] = u.ID
	if c := r.client(stringOf(claims["azp"])); c != nil && c.rolesInUserinfo {
		out["realm_access"] = map[string]any{"roles": r.effectiveRoles(u)}
	}
	if u.PrivilegeList != "" {
		out["sso_privilege_list"] = u.PrivilegeList
	}
	writeJSON(w, http.StatusOK, out)
}

// logout is the end-session endpoint. A valid id_token_hint ends that session.
func (s *Server) logout(w http.ResponseWriter, req *http.Request, r *realm) {
	_ = req.ParseForm()
	r.loggedOut = append(r.loggedOut, cloneValues(req.Form))
	if hint := req.Form.Get("id_token_hint"); hint != "" {
		if claims, err := r.verify(hint, s.issuer(r), "ID"); err == nil {
			r.ended[stringOf(claims["sid"])] = true
		}
	}
	if to := req.Form.Get("post_logout_redirect_uri"); to != "" {
		if st := req.Form.Get("state"); st != "" {
			to = appendQuery(to, "state", st)
		}
		http.Redirect(w, req, to, http.StatusFound)
		return
	}
	page(w, http.StatusOK, "Signing out", `<h1 id="kc-page-title">You are logged out</h1>`)
}

// SignIn plays the browser's part of a login: it opens authURL (the
// authorization URL the code under test redirects to), posts username and
// password in the login form, and returns where Keycloak redirects back to.
func (s *Server) SignIn(t testing.TB, authURL, username, password string) *url.URL {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatalf("kctest: SignIn: %v", err)
	}
	body := readAll(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("kctest: SignIn: auth endpoint answered %d:\n%s", res.StatusCode, body)
	}
	action := FormAction(body, "kc-form-login")
	if action == "" {
		t.Fatalf("kctest: SignIn: no login form in:\n%s", body)
	}
	res, err = noRedirect.PostForm(action, url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatalf("kctest: SignIn: %v", err)
	}
	body = readAll(t, res)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("kctest: SignIn as %q: answered %d, not a redirect:\n%s", username, res.StatusCode, body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatalf("kctest: SignIn: %v", err)
	}
	return loc
}

// FormAction returns the unescaped action URL of the form with the given id
// in an HTML page, or "" when there is none.
func FormAction(page, formID string) string {
	_, rest, ok := strings.Cut(page, `<form id="`+formID+`"`)
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, `action="`)
	if !ok {
		return ""
	}
	action, _, _ := strings.Cut(rest, `"`)
	return html.UnescapeString(action)
}

// appendQuery adds pairs to uri's query the way Keycloak does: after the
// existing query, skipping empty values.
func appendQuery(uri string, pairs ...string) string {
	var b strings.Builder
	b.WriteString(uri)
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		b.WriteString(sep + url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
		sep = "&"
	}
	return b.String()
}

func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, must-revalidate, max-age=0")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html class=\"login-pf\">\n<head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n<div id=\"kc-header\">Keycloak</div>\n%s\n</body>\n</html>\n", html.EscapeString(title), body)
}

func errorPage(w http.ResponseWriter, status int, msg string) {
	page(w, status, "We are sorry...", `<h1 id="kc-page-title">We are sorry...</h1>
<div id="kc-error-message"><p class="instruction">`+html.EscapeString(msg)+`</p></div>`)
}
