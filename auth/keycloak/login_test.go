package keycloak_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
)

const frontend = "https://cms.example.dk"

// ssoWorld is the program's HTTP server and a Keycloak, both on loopback.
type ssoWorld struct {
	app     *tests.TestApp
	kc      *kctest.Server
	backend *httptest.Server
	browser *http.Client
}

func newSSOWorld(t *testing.T, kcEnabled bool) *ssoWorld {
	t.Helper()
	app := testapp.New(t)
	kc := kctest.Start(t)
	kc.AddRealm("aarhus")
	site := settings.FromEnv(func(k string) string { return map[string]string{"FRONTEND_HOST": frontend}[k] })
	cfg := keycloak.Config{}
	if kcEnabled {
		cfg = keycloak.ConfigFromEnv(func(k string) string { return map[string]string{"KEYCLOAK_URL": kc.URL()}[k] })
	}
	api.Register(app, api.Config{Settings: site, Tokens: authtoken.DefaultLifetimes})
	keycloak.NewLogin(cfg, site, authtoken.DefaultLifetimes).Register(app)
	if _, err := provision.CreateOrganisation(app, "Aarhus Kommune", "aarhus"); err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(backend.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), frontend) {
			return http.ErrUseLastResponse // the frontend is not running here
		}
		return nil
	}}
	return &ssoWorld{app: app, kc: kc, backend: backend, browser: browser}
}

// signIn runs the browser's part: /auth/signin/ → Keycloak's login form →
// /auth/code/ → the frontend's callback, and returns the last answer.
func (w *ssoWorld) signIn(t *testing.T, username, password string) *http.Response {
	t.Helper()
	noFollow := *w.browser
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Get(w.backend.URL + "/auth/signin/?org=aarhus")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("signin answered %d", res.StatusCode)
	}
	authURL := res.Header.Get("Location")
	back := w.kc.SignIn(t, authURL, username, password)
	return w.get(t, back.String(), "text/html")
}

func (w *ssoWorld) get(t *testing.T, u, accept string, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := w.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func (w *ssoWorld) roles(t *testing.T, username string) []string {
	t.Helper()
	user, err := w.app.FindFirstRecordByData(collections.Users, "username", username)
	if err != nil {
		t.Fatalf("no local user %s: %v", username, err)
	}
	ms, err := w.app.FindAllRecords(collections.Memberships, dbx.HashExp{"user": user.Id})
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, m := range ms {
		roles = append(roles, m.GetString("role"))
	}
	return roles
}

func TestSignInFlow(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, true)
	w.kc.AddUser("aarhus", kctest.User{Username: "karen", Password: "kc-pass", Email: "karen@aarhus.dk", EmailVerified: true,
		FirstName: "Karen", LastName: "Jensen", RealmRoles: []string{"org_admin", "super_admin", "employee"}})

	res := w.signIn(t, "karen", "kc-pass")
	body(t, res)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback answered %d", res.StatusCode)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if loc.Scheme+"://"+loc.Host != frontend || loc.Path != "/aarhus/sign-in-callback" {
		t.Fatalf("redirected to %s", loc)
	}
	q := loc.Query()
	if q.Get("username") != "karen" || q.Get("access") == "" || q.Get("refresh") == "" {
		t.Fatalf("callback query %v", q)
	}
	// The access token works on our API and on PocketBase's own.
	auth := "Authorization: Bearer " + q.Get("access")
	if res := w.get(t, w.backend.URL+"/api/token/validate/", "", auth); res.StatusCode != 200 {
		t.Fatalf("validate: %d %s", res.StatusCode, body(t, res))
	}
	req, _ := http.NewRequest(http.MethodPost, w.backend.URL+"/api/collections/users/auth-refresh", nil)
	req.Header.Set("Authorization", q.Get("access"))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("PocketBase auth-refresh: %v %v", err, res.StatusCode)
	}

	// A local user was created with the Keycloak profile; only org_admin
	// became a membership: a realm role never makes a super admin.
	user, _ := w.app.FindFirstRecordByData(collections.Users, "username", "karen")
	if user.Email() != "karen@aarhus.dk" || user.GetString("first_name") != "Karen" || user.GetString("last_name") != "Jensen" {
		t.Fatalf("user %v", user)
	}
	if roles := w.roles(t, "karen"); len(roles) != 1 || roles[0] != "org_admin" {
		t.Fatalf("memberships %v, want only org_admin", roles)
	}
	// No usable local password.
	if got := w.post(t, "/api/token/", `{"username":"karen","password":"kc-pass"}`); got != 401 {
		t.Fatalf("password login of an SSO user: %d", got)
	}

	// Signing in again changes nothing but the stored Keycloak session.
	body(t, w.signIn(t, "karen", "kc-pass"))
	if roles := w.roles(t, "karen"); len(roles) != 1 {
		t.Fatalf("second sign-in duplicated memberships: %v", roles)
	}
	sessions, _ := w.app.FindAllRecords(collections.KeycloakSessions, dbx.HashExp{"user": user.Id})
	if len(sessions) != 1 || sessions[0].GetString("id_token") == "" || sessions[0].GetString("refresh_token") == "" {
		t.Fatalf("keycloak sessions: %d", len(sessions))
	}

	// Sign-out points at Keycloak's end-session endpoint with the ID token.
	res = w.get(t, w.backend.URL+"/auth/signout/api?org=aarhus", "", auth)
	var out map[string]string
	if err := json.Unmarshal([]byte(body(t, res)), &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("signout: %d %v", res.StatusCode, err)
	}
	logout, _ := url.Parse(out["redirect_url"])
	if !strings.HasPrefix(out["redirect_url"], w.kc.URL()+"/realms/aarhus/protocol/openid-connect/logout?") ||
		logout.Query().Get("post_logout_redirect_uri") != frontend+"/aarhus/sign-in" ||
		logout.Query().Get("id_token_hint") != sessions[0].GetString("id_token") {
		t.Fatalf("redirect_url %s", out["redirect_url"])
	}
	if res := w.get(t, out["redirect_url"], "text/html"); res.StatusCode != http.StatusFound {
		t.Fatalf("Keycloak logout answered %d", res.StatusCode)
	}
	if len(w.kc.LoggedOut("aarhus")) != 1 {
		t.Fatal("Keycloak saw no logout")
	}
}

func (w *ssoWorld) post(t *testing.T, path, js string) int {
	t.Helper()
	res, err := http.Post(w.backend.URL+path, "application/json", strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestSignInAccessGate(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, true)
	privileges := base64.StdEncoding.EncodeToString([]byte(`<PrivilegeList><Privilege>http://kombit.dk/roles/org_user/1</Privilege></PrivilegeList>`))
	w.kc.AddUser("aarhus", kctest.User{Username: "nobody", Password: "pw", Email: "nobody@aarhus.dk", RealmRoles: []string{"employee"}})
	w.kc.AddUser("aarhus", kctest.User{Username: "peter", Password: "pw", Email: "peter@aarhus.dk", PrivilegeList: privileges})
	// The demo employee exists locally: it passes without any realm role.
	w.kc.AddUser("aarhus", kctest.User{Username: "aarhus_employee", Password: "pw", Email: "emp@aarhus.dk"})

	res := w.signIn(t, "nobody", "pw")
	page := body(t, res)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Ingen adgang til OpenStream") ||
		!strings.Contains(page, "You don&#39;t have access to OpenStream") || !strings.Contains(page, frontend+"/openstream_logo_light.svg") {
		t.Fatalf("refused user: %d\n%s", res.StatusCode, page)
	}
	if _, err := w.app.FindFirstRecordByData(collections.Users, "username", "nobody"); err == nil {
		t.Fatal("a refused user was created")
	}

	if res := w.signIn(t, "peter", "pw"); res.StatusCode != http.StatusFound {
		t.Fatalf("privilege-list user: %d %s", res.StatusCode, body(t, res))
	}
	if roles := w.roles(t, "peter"); len(roles) != 1 || roles[0] != "org_user" {
		t.Fatalf("peter's memberships %v", roles)
	}

	before := len(w.roles(t, "aarhus_employee"))
	if res := w.signIn(t, "aarhus_employee", "pw"); res.StatusCode != http.StatusFound {
		t.Fatalf("existing local user: %d %s", res.StatusCode, body(t, res))
	}
	if after := len(w.roles(t, "aarhus_employee")); after != before {
		t.Fatalf("memberships changed %d → %d", before, after)
	}

	// Keycloak lower-cases usernames; an imported mixed-case user is linked, not duplicated.
	anne, _ := collections.NewRecord(w.app, collections.Users)
	anne.Set("username", "Anne.Hansen")
	anne.SetPassword("local-password")
	if err := w.app.Save(anne); err != nil {
		t.Fatal(err)
	}
	w.kc.AddUser("aarhus", kctest.User{Username: "Anne.Hansen", Password: "pw", Email: "anne@aarhus.dk"})
	res = w.signIn(t, "anne.hansen", "pw")
	body(t, res)
	if loc, _ := url.Parse(res.Header.Get("Location")); res.StatusCode != http.StatusFound || loc.Query().Get("username") != "Anne.Hansen" {
		t.Fatalf("mixed-case user: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// An account an admin switched off stays off.
	emp, _ := w.app.FindFirstRecordByData(collections.Users, "username", "aarhus_employee")
	emp.Set("is_active", false)
	if err := w.app.Save(emp); err != nil {
		t.Fatal(err)
	}
	if res := w.signIn(t, "aarhus_employee", "pw"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("inactive user: %d", res.StatusCode)
	}
}

func TestSignInErrors(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, true)
	w.kc.AddUser("aarhus", kctest.User{Username: "karen", Password: "pw", Email: "k@aarhus.dk", RealmRoles: []string{"org_user"}})
	tests := []struct {
		name, path, accept string
		status             int
		want               string
	}{
		{"signin without org", "/auth/signin/", "", 400, `{"detail":"Missing org_realm"}`},
		{"signin, unknown org", "/auth/signin/?org=nowhere", "", 404, `{"detail":"No Organisation matches the given query."}`},
		{"code without org", "/auth/code/?code=x", "", 400, `{"detail":"Missing org_realm"}`},
		{"code, unknown org", "/auth/code/?org=nowhere&code=x", "", 404, `{"detail":"No Organisation matches the given query."}`},
		{"code without code", "/auth/code/?org=aarhus", "", 400, `{"detail":"Missing SSO authorization code"}`},
		{"code without a sign-in in this browser", "/auth/code/?org=aarhus&code=abc&state=forged", "", 400, ""},
		{"keycloak said no", "/auth/code/?org=aarhus&error=access_denied&error_description=nope", "", 403, `{"error":"access_denied","error_description":"nope"}`},
		{"browser gets the HTML page", "/auth/code/?org=aarhus", "text/html,application/xhtml+xml", 400, ""},
		{"signout is authenticated", "/auth/signout/api?org=aarhus", "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := w.get(t, w.backend.URL+tt.path, tt.accept)
			got := body(t, res)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, got)
			}
			if tt.want != "" && got != tt.want {
				t.Fatalf("body %s, want %s", got, tt.want)
			}
			if strings.Contains(tt.accept, "text/html") != strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("Content-Type %q for Accept %q", res.Header.Get("Content-Type"), tt.accept)
			}
		})
	}

	// Keycloak refuses the code: its status and JSON are passed on.
	w.kc.FailToken("aarhus", 400, `{"error":"invalid_grant","error_description":"Code not valid"}`)
	res := w.signIn(t, "karen", "pw")
	if got := body(t, res); res.StatusCode != 400 || !strings.Contains(got, "Code not valid") {
		t.Fatalf("refused code: %d %s", res.StatusCode, got)
	}
	// A Keycloak fault is a 502 that says so, never a 500.
	w.kc.FailToken("aarhus", 500, `oops`)
	if res := w.signIn(t, "karen", "pw"); res.StatusCode != http.StatusBadGateway {
		t.Fatalf("keycloak 500: %d %s", res.StatusCode, body(t, res))
	}
}

func TestSignOutWithoutSSOAndWithoutKeycloak(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	// Keycloak is optional: sign-in says so clearly.
	res := w.get(t, w.backend.URL+"/auth/signin/?org=aarhus", "")
	if got := body(t, res); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(got, "not configured") {
		t.Fatalf("signin without keycloak: %d %s", res.StatusCode, got)
	}
	// A password user signs out straight to the sign-in page.
	tok := w.passwordLogin(t, "aarhus_employee")
	for _, path := range []string{"/auth/signout/api?org=aarhus", "/auth/signout/api/?org=aarhus"} {
		res = w.get(t, w.backend.URL+path, "", "Authorization: Bearer "+tok)
		if got := body(t, res); res.StatusCode != 200 || got != `{"redirect_url":"`+frontend+`/aarhus/sign-in"}` {
			t.Fatalf("%s: %d %s", path, res.StatusCode, got)
		}
	}
	res = w.get(t, w.backend.URL+"/auth/signout/api", "", "Authorization: Bearer "+tok)
	if got := body(t, res); res.StatusCode != 400 || got != `{"detail":"Missing org_realm"}` {
		t.Fatalf("no org: %d %s", res.StatusCode, got)
	}
}

func (w *ssoWorld) passwordLogin(t *testing.T, username string) string {
	t.Helper()
	res, err := http.Post(w.backend.URL+"/api/token/", "application/json", strings.NewReader(`{"username":"`+username+`","password":"`+username+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var pair map[string]string
	if err := json.Unmarshal([]byte(body(t, res)), &pair); err != nil || pair["access"] == "" {
		t.Fatalf("login %s: %v %v", username, res.StatusCode, err)
	}
	return pair["access"]
}
