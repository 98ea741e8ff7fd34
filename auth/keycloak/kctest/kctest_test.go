package kctest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

const redirect = "http://localhost:8000/auth/code/?org=kk"

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, readAll(t, res)
}

func postForm(t *testing.T, u string, form url.Values) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func adminDo(t *testing.T, token, method, u string, body any) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, u, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, body)
	}
	return m
}

func adminToken(t *testing.T, s *Server) string {
	t.Helper()
	status, _, body := postForm(t, s.URL()+"/realms/master/protocol/openid-connect/token", url.Values{
		"grant_type": {"password"}, "client_id": {AdminClientID}, "username": {AdminUsername}, "password": {AdminPassword},
	})
	if status != 200 {
		t.Fatalf("admin login: %d %s", status, body)
	}
	return decode(t, body)["access_token"].(string)
}

func authURL(s *Server, realm string, params url.Values) string {
	q := url.Values{"client_id": {ClientID}, "response_type": {"code"}, "scope": {"openid email profile"}, "redirect_uri": {redirect}}
	for k, v := range params {
		q[k] = v
	}
	for k, v := range q {
		if len(v) == 1 && v[0] == "-" {
			delete(q, k)
		}
	}
	return s.URL() + "/realms/" + realm + "/protocol/openid-connect/auth?" + q.Encode()
}

func newServer(t *testing.T) *Server {
	s := Start(t)
	s.AddRealm("kk")
	s.AddUser("kk", User{Username: "Alice", Password: "pw", Email: "Alice@Example.com", EmailVerified: true,
		FirstName: "Alice", LastName: "Admin", RealmRoles: []string{"org_admin"}, PrivilegeList: "PFByaXZpbGVnZXM+"})
	return s
}

func TestDiscoveryAndJWKS(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		realm  string
		status int
	}{{"kk", 200}, {"master", 200}, {"nope", 404}}
	for _, tt := range tests {
		status, _, body := get(t, s.URL()+"/realms/"+tt.realm+"/.well-known/openid-configuration")
		if status != tt.status {
			t.Fatalf("%s: %d %s", tt.realm, status, body)
		}
		m := decode(t, body)
		if status == 404 {
			if m["error"] != "Realm does not exist" {
				t.Fatalf("404 body %s", body)
			}
			continue
		}
		iss := s.URL() + "/realms/" + tt.realm
		want := map[string]string{
			"issuer": iss, "authorization_endpoint": iss + "/protocol/openid-connect/auth",
			"token_endpoint": iss + "/protocol/openid-connect/token", "userinfo_endpoint": iss + "/protocol/openid-connect/userinfo",
			"jwks_uri": iss + "/protocol/openid-connect/certs", "end_session_endpoint": iss + "/protocol/openid-connect/logout",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s %s = %v, want %s", tt.realm, k, m[k], v)
			}
		}
	}

	// The id token from a login verifies with the realm's published key, and
	// not with another realm's.
	_, tokens := login(t, s, nil, "")
	keys := func(realm string) jose.JSONWebKeySet {
		_, _, body := get(t, s.URL()+"/realms/"+realm+"/protocol/openid-connect/certs")
		var set jose.JSONWebKeySet
		if err := json.Unmarshal([]byte(body), &set); err != nil {
			t.Fatal(err)
		}
		if len(set.Keys) != 1 || set.Keys[0].Algorithm != "RS256" || set.Keys[0].Use != "sig" || set.Keys[0].KeyID == "" {
			t.Fatalf("jwks: %s", body)
		}
		return set
	}
	jws, err := jose.ParseSignedCompact(tokens["id_token"].(string), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	kk := keys("kk")
	if jws.Signatures[0].Header.KeyID != kk.Keys[0].KeyID {
		t.Fatalf("kid %q not in JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(kk.Keys[0].Key)
	if err != nil {
		t.Fatalf("id token does not verify: %v", err)
	}
	if _, err := jws.Verify(keys("master").Keys[0].Key); err == nil {
		t.Fatal("id token verifies with the master key")
	}
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	want := map[string]any{
		"iss": s.URL() + "/realms/kk", "aud": ClientID, "azp": ClientID, "typ": "ID", "nonce": "n-1",
		"preferred_username": "alice", "email": "alice@example.com", "email_verified": true,
		"given_name": "Alice", "family_name": "Admin", "name": "Alice Admin", "sid": tokens["session_state"],
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("id token %s = %v, want %v", k, claims[k], v)
		}
	}
	roles := claims["realm_access"].(map[string]any)["roles"].([]any)
	if !slices.Contains(roles, any("org_admin")) || !slices.Contains(roles, any("default-roles-kk")) {
		t.Errorf("id token roles %v", roles)
	}
}

// login runs the browser part with PKCE (S256) and exchanges the code.
func login(t *testing.T, s *Server, extra url.Values, verifier string) (url.Values, map[string]any) {
	t.Helper()
	if verifier == "" {
		verifier = "verifier-0123456789-0123456789-0123456789-0123"
	}
	sum := sha256.Sum256([]byte(verifier))
	params := url.Values{"state": {"st-1"}, "nonce": {"n-1"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		params[k] = v
	}
	back := s.SignIn(t, authURL(s, "kk", params), "alice", "pw")
	q := back.Query()
	if !strings.HasPrefix(back.String(), redirect+"&") || q.Get("state") != "st-1" || q.Get("org") != "kk" ||
		q.Get("iss") != s.URL()+"/realms/kk" || q.Get("code") == "" || q.Get("session_state") == "" {
		t.Fatalf("redirect back: %s", back)
	}
	status, _, body := postForm(t, s.URL()+"/realms/kk/protocol/openid-connect/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {q.Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier},
	})
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	return q, decode(t, body)
}

func TestCodeFlow(t *testing.T) {
	s := newServer(t)
	q, tokens := login(t, s, nil, "")
	for _, k := range []string{"access_token", "refresh_token", "id_token", "session_state", "scope"} {
		if tokens[k] == "" || tokens[k] == nil {
			t.Errorf("token response lacks %s: %v", k, tokens)
		}
	}
	if tokens["token_type"] != "Bearer" || tokens["expires_in"] != 300.0 || tokens["refresh_expires_in"] != 1800.0 || tokens["not-before-policy"] != 0.0 {
		t.Errorf("token response: %v", tokens)
	}

	// Same code again: spent.
	status, _, body := postForm(t, s.URL()+"/realms/kk/protocol/openid-connect/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {q.Get("code")}, "redirect_uri": {redirect},
	})
	if status != 400 || decode(t, body)["error_description"] != "Code not valid" {
		t.Fatalf("reused code: %d %s", status, body)
	}

	// Userinfo with the access token.
	status, _, body = get(t, s.URL()+"/realms/kk/protocol/openid-connect/userinfo", "Authorization", "Bearer "+tokens["access_token"].(string))
	if status != 200 {
		t.Fatalf("userinfo: %d %s", status, body)
	}
	info := decode(t, body)
	for k, v := range map[string]any{"preferred_username": "alice", "email": "alice@example.com", "email_verified": true, "sso_privilege_list": "PFByaXZpbGVnZXM+", "name": "Alice Admin"} {
		if info[k] != v {
			t.Errorf("userinfo %s = %v, want %v", k, info[k], v)
		}
	}
	if sub, _ := info["sub"].(string); sub != s.Users("kk")[0].ID {
		t.Errorf("userinfo sub %v", info["sub"])
	}
	for _, bad := range []string{"", "Bearer nonsense", "Bearer " + tokens["id_token"].(string), "Bearer " + adminToken(t, s)} {
		status, _, body = get(t, s.URL()+"/realms/kk/protocol/openid-connect/userinfo", "Authorization", bad)
		if status != 401 || decode(t, body)["error"] != "invalid_token" {
			t.Errorf("userinfo with %.30q: %d %s", bad, status, body)
		}
	}

	// Logout records the call, redirects, and ends the session.
	status, h, _ := get(t, s.URL()+"/realms/kk/protocol/openid-connect/logout?"+url.Values{
		"id_token_hint": {tokens["id_token"].(string)}, "post_logout_redirect_uri": {"http://localhost:5173/kk/sign-in"},
	}.Encode())
	if status != 302 || h.Get("Location") != "http://localhost:5173/kk/sign-in" {
		t.Fatalf("logout: %d %v", status, h)
	}
	if got := s.LoggedOut("kk"); len(got) != 1 || got[0].Get("id_token_hint") != tokens["id_token"] {
		t.Fatalf("LoggedOut: %v", got)
	}
	status, _, _ = get(t, s.URL()+"/realms/kk/protocol/openid-connect/userinfo", "Authorization", "Bearer "+tokens["access_token"].(string))
	if status != 401 {
		t.Fatalf("userinfo after logout: %d", status)
	}
	if status, _, _ := get(t, s.URL()+"/realms/kk/protocol/openid-connect/logout"); status != 200 {
		t.Fatalf("logout without redirect: %d", status)
	}
}

func TestAuthEndpointErrors(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name     string
		params   url.Values
		status   int
		contains string // in the body, or in Location for redirects
	}{
		{"unknown client", url.Values{"client_id": {"other"}}, 400, "Client not found."},
		{"no redirect_uri", url.Values{"redirect_uri": {"-"}}, 400, "Invalid parameter: redirect_uri"},
		{"no response_type", url.Values{"response_type": {"-"}, "state": {"x"}}, 302, "error=invalid_request&error_description=Missing+parameter%3A+response_type&state=x"},
		{"implicit", url.Values{"response_type": {"token"}}, 302, "error=unsupported_response_type"},
		{"bad challenge method", url.Values{"code_challenge": {"abc"}, "code_challenge_method": {"S512"}}, 302, "error=invalid_request"},
		{"ok", nil, 200, `<form id="kc-form-login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, authURL(s, "kk", tt.params))
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			got := body
			if status == 302 {
				got = h.Get("Location")
				if !strings.HasPrefix(got, redirect+"&") {
					t.Fatalf("redirect to %s", got)
				}
			}
			if !strings.Contains(got, tt.contains) {
				t.Fatalf("want %q in %s", tt.contains, got)
			}
		})
	}

	// The login form: wrong password shows it again with Keycloak's message.
	_, _, body := get(t, authURL(s, "kk", nil))
	action := FormAction(body, "kc-form-login")
	if !strings.HasPrefix(action, s.URL()+"/realms/kk/login-actions/authenticate?session_code=") {
		t.Fatalf("form action %q", action)
	}
	for _, creds := range [][2]string{{"alice", "wrong"}, {"nobody", "pw"}, {"alice", ""}} {
		status, _, body := postForm(t, action, url.Values{"username": {creds[0]}, "password": {creds[1]}})
		if status != 200 || !strings.Contains(body, "Invalid username or password.") || FormAction(body, "kc-form-login") == "" {
			t.Fatalf("%v: %d %s", creds, status, body)
		}
	}
	// Logging in with the e-mail works too (loginWithEmailAllowed).
	status, h, _ := postForm(t, action, url.Values{"username": {"ALICE@example.com"}, "password": {"pw"}})
	if status != 302 || !strings.Contains(h.Get("Location"), "code=") {
		t.Fatalf("login by e-mail: %d %v", status, h)
	}
	// The session code is used up.
	if status, _, _ := postForm(t, action, url.Values{"username": {"alice"}, "password": {"pw"}}); status != 400 {
		t.Fatalf("reused session code: %d", status)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	s := newServer(t)
	const verifier = "the-right-verifier-0123456789-0123456789-01"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	code := func(pkce bool) string {
		p := url.Values{}
		if pkce {
			p = url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		}
		return s.SignIn(t, authURL(s, "kk", p), "alice", "pw").Query().Get("code")
	}
	tests := []struct {
		name   string
		setup  func() // before the call
		form   func() url.Values
		status int
		error  string
		desc   string
	}{
		{"unknown client", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {"nope"}, "code": {code(false)}, "redirect_uri": {redirect}}
		}, 401, "invalid_client", "Invalid client or Invalid client credentials"},
		{"bad code", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {"garbage"}, "redirect_uri": {redirect}}
		}, 400, "invalid_grant", "Code not valid"},
		{"no code", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "redirect_uri": {redirect}}
		}, 400, "invalid_request", "Missing parameter: code"},
		{"other redirect_uri", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {code(false)}, "redirect_uri": {redirect + "x"}}
		}, 400, "invalid_grant", "Incorrect redirect_uri"},
		{"missing verifier", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {code(true)}, "redirect_uri": {redirect}}
		}, 400, "invalid_grant", "PKCE code verifier not specified"},
		{"wrong verifier", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {code(true)}, "redirect_uri": {redirect}, "code_verifier": {verifier + "x"}}
		}, 400, "invalid_grant", "PKCE verification failed: Code mismatch"},
		{"right verifier", nil, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {code(true)}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
		}, 200, "", ""},
		{"unsupported grant", nil, func() url.Values {
			return url.Values{"grant_type": {"magic"}, "client_id": {ClientID}}
		}, 400, "unsupported_grant_type", "Unsupported grant_type"},
		{"password grant not allowed for the public client", nil, func() url.Values {
			return url.Values{"grant_type": {"password"}, "client_id": {ClientID}, "username": {"alice"}, "password": {"pw"}}
		}, 400, "unauthorized_client", "Client not allowed for direct access grants"},
		{"FailToken overrides", func() { s.FailToken("kk", 403, `{"error":"access_denied"}`) }, func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientID}, "code": {code(false)}, "redirect_uri": {redirect}}
		}, 403, "access_denied", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := tt.form()
			if tt.setup != nil {
				tt.setup()
			}
			status, _, body := postForm(t, s.URL()+"/realms/kk/protocol/openid-connect/token", form)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			m := decode(t, body)
			if tt.status == 200 {
				if m["id_token"] == nil {
					t.Fatalf("no id token: %s", body)
				}
				return
			}
			if m["error"] != tt.error || (tt.desc != "" && m["error_description"] != tt.desc) {
				t.Fatalf("body %s, want %s / %s", body, tt.error, tt.desc)
			}
		})
	}
}

func TestMasterPasswordGrant(t *testing.T) {
	s := Start(t)
	tests := []struct {
		user, password, client string
		status                 int
	}{
		{AdminUsername, AdminPassword, AdminClientID, 200},
		{AdminUsername, "wrong", AdminClientID, 401},
		{"someone", AdminPassword, AdminClientID, 401},
		{AdminUsername, AdminPassword, "other", 401},
	}
	for _, tt := range tests {
		status, _, body := postForm(t, s.URL()+"/realms/master/protocol/openid-connect/token", url.Values{
			"grant_type": {"password"}, "client_id": {tt.client}, "username": {tt.user}, "password": {tt.password},
		})
		if status != tt.status {
			t.Errorf("%+v: %d %s", tt, status, body)
		}
		if status == 200 && decode(t, body)["expires_in"] != 60.0 {
			t.Errorf("admin token lifetime: %s", body)
		}
	}
}

func TestAdminRequiresAdminToken(t *testing.T) {
	s := newServer(t)
	_, userTokens := login(t, s, nil, "")
	tests := []struct {
		name, token string
		status      int
	}{
		{"none", "", 401},
		{"garbage", "abc.def.ghi", 401},
		{"realm user token", userTokens["access_token"].(string), 401},
		{"admin", adminToken(t, s), 200},
	}
	for _, tt := range tests {
		for _, path := range []string{"/admin/realms/kk", "/admin/realms/kk/users", "/admin/realms/kk/roles"} {
			status, _, body := adminDo(t, tt.token, "GET", s.URL()+path, nil)
			if status != tt.status {
				t.Errorf("%s %s: %d %s", tt.name, path, status, body)
			}
		}
	}
}

func TestAdminREST(t *testing.T) {
	s := Start(t)
	tok := adminToken(t, s)
	base := s.URL() + "/admin/realms"
	smtp := map[string]any{"host": "smtp.example.com", "port": "587", "password": "secret"}
	var userID string
	steps := []struct {
		name, method, path string
		body               any
		status             int
		check              func(h http.Header, body string)
	}{
		{"realm missing", "GET", "/kk", nil, 404, func(_ http.Header, b string) {
			if decode(t, b)["error"] != "Realm not found." {
				t.Errorf("body %s", b)
			}
		}},
		{"create realm", "POST", "", map[string]any{"realm": "kk", "displayName": "kk", "enabled": true, "smtpServer": smtp}, 201, nil},
		{"create realm again", "POST", "", map[string]any{"realm": "kk"}, 409, nil},
		{"get realm hides smtp password", "GET", "/kk", nil, 200, func(_ http.Header, b string) {
			if !strings.Contains(b, `"password":"**********"`) || decode(t, b)["realm"] != "kk" {
				t.Errorf("body %s", b)
			}
		}},
		{"update realm", "PUT", "/kk", map[string]any{"smtpServer": map[string]any{"host": "mail.example.com"}}, 204, nil},
		{"create role", "POST", "/kk/roles", map[string]any{"name": "org_admin", "description": "Organisation administrator"}, 201, nil},
		{"create role again", "POST", "/kk/roles", map[string]any{"name": "org_admin"}, 409, nil},
		{"get role", "GET", "/kk/roles/org_admin", nil, 200, func(_ http.Header, b string) {
			if decode(t, b)["description"] != "Organisation administrator" {
				t.Errorf("body %s", b)
			}
		}},
		{"missing role", "GET", "/kk/roles/nope", nil, 404, nil},
		{"no client yet", "GET", "/kk/clients?clientId=openstream-api", nil, 200, func(_ http.Header, b string) {
			if b != "[]\n" {
				t.Errorf("body %s", b)
			}
		}},
		{"create client", "POST", "/kk/clients", map[string]any{"clientId": "openstream-api", "publicClient": true, "redirectUris": []string{"http://localhost:8000/*"}}, 201, func(h http.Header, _ string) {
			if !strings.HasPrefix(h.Get("Location"), base+"/kk/clients/") {
				t.Errorf("Location %q", h.Get("Location"))
			}
		}},
		{"create client again", "POST", "/kk/clients", map[string]any{"clientId": "openstream-api"}, 409, nil},
		{"find client", "GET", "/kk/clients?clientId=openstream-api", nil, 200, func(_ http.Header, b string) {
			if !strings.Contains(b, `"clientId":"openstream-api"`) || !strings.Contains(b, `"id":`) {
				t.Errorf("body %s", b)
			}
		}},
		{"create user", "POST", "/kk/users", map[string]any{"username": "Bob", "email": "bob@example.com", "enabled": true, "emailVerified": true}, 201, func(h http.Header, _ string) {
			loc := h.Get("Location")
			if !strings.HasPrefix(loc, base+"/kk/users/") {
				t.Errorf("Location %q", loc)
			}
			userID = loc[strings.LastIndex(loc, "/")+1:]
		}},
		{"same username", "POST", "/kk/users", map[string]any{"username": "bob"}, 409, func(_ http.Header, b string) {
			if decode(t, b)["errorMessage"] != "User exists with same username" {
				t.Errorf("body %s", b)
			}
		}},
		{"same email", "POST", "/kk/users", map[string]any{"username": "bob2", "email": "BOB@example.com"}, 409, nil},
		{"second user", "POST", "/kk/users", map[string]any{"username": "carol", "enabled": true}, 201, nil},
		{"count", "GET", "/kk/users/count", nil, 200, func(_ http.Header, b string) {
			if strings.TrimSpace(b) != "2" {
				t.Errorf("count %s", b)
			}
		}},
		{"exact search is case-insensitive", "GET", "/kk/users?username=BOB&exact=true", nil, 200, func(_ http.Header, b string) {
			if !strings.Contains(b, `"username":"bob"`) || strings.Contains(b, "carol") {
				t.Errorf("body %s", b)
			}
		}},
		{"exact search misses", "GET", "/kk/users?username=bo&exact=true", nil, 200, func(_ http.Header, b string) {
			if b != "[]\n" {
				t.Errorf("body %s", b)
			}
		}},
		{"paging", "GET", "/kk/users?first=1&max=1&briefRepresentation=true", nil, 200, func(_ http.Header, b string) {
			if !strings.Contains(b, "carol") || strings.Contains(b, "bob") || strings.Contains(b, "requiredActions") {
				t.Errorf("body %s", b)
			}
		}},
		{"reset password", "PUT", "/kk/users/{id}/reset-password", map[string]any{"type": "password", "value": "tmp", "temporary": true}, 204, nil},
		{"reset password of nobody", "PUT", "/kk/users/nobody/reset-password", map[string]any{"type": "password", "value": "x"}, 404, nil},
		{"assign role", "POST", "/kk/users/{id}/role-mappings/realm", []map[string]any{{"name": "org_admin"}}, 204, nil},
		{"assign missing role", "POST", "/kk/users/{id}/role-mappings/realm", []map[string]any{{"name": "nope"}}, 404, nil},
		{"role mappings", "GET", "/kk/users/{id}/role-mappings/realm", nil, 200, func(_ http.Header, b string) {
			if !strings.Contains(b, `"name":"org_admin"`) || !strings.Contains(b, `"name":"default-roles-kk"`) {
				t.Errorf("body %s", b)
			}
		}},
	}
	for _, st := range steps {
		path := strings.ReplaceAll(st.path, "{id}", userID)
		status, h, body := adminDo(t, tok, st.method, base+path, st.body)
		if status != st.status {
			t.Fatalf("%s: %s %s: %d, want %d: %s", st.name, st.method, path, status, st.status, body)
		}
		if st.check != nil {
			st.check(h, body)
		}
	}

	state, ok := s.Realm("kk")
	if !ok || state.DisplayName != "kk" || !state.Enabled || !state.LoginWithEmailAllowed || state.RegistrationAllowed ||
		state.SMTPServer["host"] != "mail.example.com" || !slices.Contains(state.Roles, "org_admin") ||
		state.RoleDescriptions["org_admin"] != "Organisation administrator" || len(state.Clients) != 1 {
		t.Fatalf("realm state %+v", state)
	}
	users := s.Users("kk")
	if len(users) != 2 || users[0].Username != "bob" || !users[0].Temporary || users[0].Password != "tmp" ||
		!slices.Equal(users[0].RealmRoles, []string{"org_admin"}) || users[0].Disabled || !users[0].EmailVerified {
		t.Fatalf("users %+v", users)
	}
}

// An admin-created user logs in through the form; a temporary password
// first leads to the update-password form.
func TestAdminCreatedUserLogsIn(t *testing.T) {
	s := Start(t)
	tok := adminToken(t, s)
	base := s.URL() + "/admin/realms"
	client := map[string]any{
		"clientId": "openstream-api", "publicClient": true, "redirectUris": []string{"http://localhost:8000/*"},
		"protocolMappers": []map[string]any{{"protocolMapper": "oidc-usermodel-realm-role-mapper", "config": map[string]string{
			"claim.name": "realm_access.roles", "userinfo.token.claim": "true", "id.token.claim": "false",
		}}},
	}
	for _, c := range []struct {
		path string
		body any
	}{
		{"", map[string]any{"realm": "kk", "enabled": true}},
		{"/kk/clients", client},
		{"/kk/users", map[string]any{"username": "dave", "enabled": true, "credentials": []map[string]any{{"type": "password", "value": "first", "temporary": true}}}},
		{"/kk/users", map[string]any{"username": "erin", "credentials": []map[string]any{{"type": "password", "value": "pw"}}}},
	} {
		if status, _, body := adminDo(t, tok, "POST", base+c.path, c.body); status != 201 {
			t.Fatalf("POST %s: %d %s", c.path, status, body)
		}
	}

	// Not in the client's redirect URIs.
	status, _, _ := get(t, s.URL()+"/realms/kk/protocol/openid-connect/auth?"+url.Values{
		"client_id": {"openstream-api"}, "response_type": {"code"}, "scope": {"openid"}, "redirect_uri": {"http://evil.example/cb"},
	}.Encode())
	if status != 400 {
		t.Fatalf("foreign redirect_uri: %d", status)
	}

	auth := s.URL() + "/realms/kk/protocol/openid-connect/auth?" + url.Values{
		"client_id": {"openstream-api"}, "response_type": {"code"}, "scope": {"openid"}, "redirect_uri": {redirect},
	}.Encode()
	_, _, body := get(t, auth)
	status, _, body = postForm(t, FormAction(body, "kc-form-login"), url.Values{"username": {"dave"}, "password": {"first"}})
	update := FormAction(body, "kc-passwd-update-form")
	if status != 200 || update == "" {
		t.Fatalf("temporary password: %d %s", status, body)
	}
	status, _, body = postForm(t, update, url.Values{"password-new": {"second"}, "password-confirm": {"other"}})
	if status != 200 || !strings.Contains(body, "Passwords don&#39;t match.") {
		t.Fatalf("mismatch: %d %s", status, body)
	}
	status, h, _ := postForm(t, FormAction(body, "kc-passwd-update-form"), url.Values{"password-new": {"second"}, "password-confirm": {"second"}})
	if status != 302 || !strings.Contains(h.Get("Location"), "code=") {
		t.Fatalf("update password: %d %v", status, h)
	}
	code := h.Get("Location")
	u, _ := url.Parse(code)
	status, _, body = postForm(t, s.URL()+"/realms/kk/protocol/openid-connect/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {"openstream-api"}, "code": {u.Query().Get("code")}, "redirect_uri": {redirect},
	})
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	tokens := decode(t, body)

	// The mapper puts roles in userinfo but not in the id token.
	_, _, body = get(t, s.URL()+"/realms/kk/protocol/openid-connect/userinfo", "Authorization", "Bearer "+tokens["access_token"].(string))
	if !strings.Contains(body, "realm_access") {
		t.Errorf("userinfo lacks realm_access: %s", body)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tokens["id_token"].(string), ".")[1])
	if strings.Contains(string(payload), "realm_access") {
		t.Errorf("id token has realm_access: %s", payload)
	}
	if got := s.Users("kk")[0]; got.Username != "dave" || got.Password != "second" || got.Temporary {
		t.Errorf("after update: %+v", got)
	}

	// erin was created without "enabled": true, so is disabled.
	_, _, body = get(t, auth)
	_, _, body = postForm(t, FormAction(body, "kc-form-login"), url.Values{"username": {"erin"}, "password": {"pw"}})
	if !strings.Contains(body, "Account is disabled") {
		t.Errorf("disabled user: %s", body)
	}
}
