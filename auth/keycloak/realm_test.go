package keycloak

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/settings"
)

var testSMTP = settings.Email{Host: "smtp.example.com", Port: 2525, UseTLS: true, User: "mailer", Password: "mail-secret", From: "noreply@example.com"}

func realmOptions(realm string) RealmOptions {
	return RealmOptions{Realm: realm, FrontendOrigin: "http://localhost:5173/", BackendBaseURL: "http://localhost:8000", SMTP: testSMTP}
}

func TestCreateRealm(t *testing.T) {
	kc := kctest.Start(t)
	a := loginAdmin(t, kc)
	ctx := context.Background()

	report, err := CreateRealm(ctx, a, realmOptions("kk"))
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := []string{
		`created  realm "kk"`,
		`created  realm role "org_admin"`,
		`created  realm role "org_user"`,
		`created  client "openstream-api" (redirect URIs http://localhost:5173/*, http://localhost:8000/*)`,
		`created  user "kk_org_admin" (password = username)`,
		`assigned role "org_admin" to user "kk_org_admin"`,
		`created  user "kk_employee" (password = username)`,
		`assigned role "org_user" to user "kk_employee"`,
		`created  user "kk_suborg_admin" (password = username)`,
		`assigned role "org_user" to user "kk_suborg_admin"`,
	}
	var got []string
	for _, s := range report.Steps {
		got = append(got, s.String())
	}
	if !slices.Equal(got, wantSteps) {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantSteps, "\n"))
	}

	st, ok := kc.Realm("kk")
	if !ok {
		t.Fatal("realm not created")
	}
	wantSMTP := map[string]string{
		"host": "smtp.example.com", "port": "2525", "from": "noreply@example.com", "auth": "true",
		"user": "mailer", "password": "mail-secret", "ssl": "false", "starttls": "true",
	}
	if st.DisplayName != "kk" || !st.Enabled || !st.LoginWithEmailAllowed || st.RegistrationAllowed || !maps.Equal(st.SMTPServer, wantSMTP) {
		t.Fatalf("realm %+v", st)
	}
	if st.RoleDescriptions["org_admin"] != "Organisation administrator" || st.RoleDescriptions["org_user"] != "Organisation user" {
		t.Fatalf("roles %v", st.RoleDescriptions)
	}
	if len(st.Clients) != 1 {
		t.Fatalf("clients %v", st.Clients)
	}
	client := st.Clients[0]
	wantClient := map[string]any{
		"clientId": "openstream-api", "publicClient": true, "standardFlowEnabled": true, "directAccessGrantsEnabled": false,
		"implicitFlowEnabled": false, "serviceAccountsEnabled": false, "fullScopeAllowed": true,
		"rootUrl": "http://localhost:8000", "adminUrl": "http://localhost:8000", "baseUrl": "http://localhost:8000",
	}
	for k, v := range wantClient {
		if client[k] != v {
			t.Errorf("client %s = %v, want %v", k, client[k], v)
		}
	}
	for k, want := range map[string]string{
		"redirectUris":         `["http://localhost:5173/*","http://localhost:8000/*"]`,
		"webOrigins":           `["/*"]`,
		"attributes":           `{"backchannel.logout.session.required":"true","post.logout.redirect.uris":"+"}`,
		"defaultClientScopes":  `["web-origins","acr","roles","profile","basic","email"]`,
		"optionalClientScopes": `["address","phone","offline_access","organization","microprofile-jwt"]`,
	} {
		if raw, _ := json.Marshal(client[k]); string(raw) != want {
			t.Errorf("client %s = %s, want %s", k, raw, want)
		}
	}

	users := kc.Users("kk")
	wantUsers := map[string]string{"kk_employee": "org_user", "kk_org_admin": "org_admin", "kk_suborg_admin": "org_user"}
	if len(users) != 3 {
		t.Fatalf("users %+v", users)
	}
	for _, u := range users {
		if u.Password != u.Username || u.Temporary || u.Email != u.Username+"@example.com" || !u.EmailVerified || u.Disabled ||
			!slices.Equal(u.RealmRoles, []string{wantUsers[u.Username]}) {
			t.Errorf("user %+v", u)
		}
	}

	// Running it again creates nothing and only refreshes the SMTP settings.
	again, err := CreateRealm(ctx, a, realmOptions("kk"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Count(StepCreated) != 0 || again.Count(StepAssigned) != 0 || again.Count(StepUpdated) != 1 || again.Count(StepExists) != 9 {
		t.Fatalf("second run: %+v", again.Steps)
	}
	if len(kc.Users("kk")) != 3 {
		t.Fatal("second run added users")
	}
}

// The realm the command sets up is usable for the sign-in flow: the default
// org admin logs in through the client, and userinfo carries the role.
func TestCreatedRealmSignsIn(t *testing.T) {
	kc := kctest.Start(t)
	if _, err := CreateRealm(context.Background(), loginAdmin(t, kc), realmOptions("kk")); err != nil {
		t.Fatal(err)
	}
	redirect := "http://localhost:8000/auth/code/?org=kk"
	auth := kc.URL() + "/realms/kk/protocol/openid-connect/auth?" + url.Values{
		"client_id": {DefaultClientID}, "response_type": {"code"}, "scope": {"openid email profile"}, "redirect_uri": {redirect},
	}.Encode()
	back := kc.SignIn(t, auth, "kk_org_admin", "kk_org_admin")
	res, err := http.PostForm(kc.URL()+"/realms/kk/protocol/openid-connect/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {DefaultClientID}, "code": {back.Query().Get("code")}, "redirect_uri": {redirect},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSONResponse(t, res, &tok)
	req, _ := http.NewRequest(http.MethodGet, kc.URL()+"/realms/kk/protocol/openid-connect/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Username    string `json:"preferred_username"`
		Email       string `json:"email"`
		RealmAccess struct {
			Roles []string `json:"roles"`
		} `json:"realm_access"`
	}
	decodeJSONResponse(t, res, &info)
	if info.Username != "kk_org_admin" || info.Email != "kk_org_admin@example.com" || !slices.Contains(info.RealmAccess.Roles, "org_admin") {
		t.Fatalf("userinfo %+v", info)
	}
}

func decodeJSONResponse(t *testing.T, res *http.Response, v any) {
	t.Helper()
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", res.Request.URL, res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
}

func TestCreateRealmVariants(t *testing.T) {
	tests := []struct {
		name     string
		existing bool // realm made beforehand (kctest's AddRealm: client and no SMTP)
		opts     func(*RealmOptions)
		wantErr  string
		wantStep string
		wantSMTP map[string]string
	}{
		{name: "empty name", opts: func(o *RealmOptions) { o.Realm = " " }, wantErr: "realm name is empty"},
		{name: "no backend", opts: func(o *RealmOptions) { o.BackendBaseURL = "" }, wantErr: "required"},
		{name: "no SMTP host", opts: func(o *RealmOptions) { o.SMTP = settings.Email{} }, wantStep: `created  realm "kk"`, wantSMTP: map[string]string{}},
		{name: "no SMTP auth without password", opts: func(o *RealmOptions) { o.SMTP.Password = ""; o.SMTP.UseTLS = false },
			wantStep: `created  realm "kk"`, wantSMTP: map[string]string{
				"host": "smtp.example.com", "port": "2525", "from": "noreply@example.com", "auth": "false",
				"user": "mailer", "password": "", "ssl": "false", "starttls": "false",
			}},
		{name: "existing realm, SMTP set", existing: true, opts: func(*RealmOptions) {}, wantStep: `updated  realm "kk" (SMTP server smtp.example.com)`},
		{name: "existing realm, no SMTP host", existing: true, opts: func(o *RealmOptions) { o.SMTP.Host = "" },
			wantStep: `exists   realm "kk" (SMTP settings left alone: EMAIL_HOST is not set)`, wantSMTP: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := kctest.Start(t)
			if tt.existing {
				kc.AddRealm("kk")
			}
			opts := realmOptions("kk")
			tt.opts(&opts)
			report, err := CreateRealm(context.Background(), loginAdmin(t, kc), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if report.Steps[0].String() != tt.wantStep {
				t.Fatalf("first step %q, want %q", report.Steps[0], tt.wantStep)
			}
			st, _ := kc.Realm("kk")
			if tt.wantSMTP != nil && !maps.Equal(st.SMTPServer, tt.wantSMTP) {
				t.Fatalf("smtp %v, want %v", st.SMTPServer, tt.wantSMTP)
			}
			if tt.existing && report.Steps[3].String() != `exists   client "openstream-api" (left unchanged)` {
				t.Fatalf("client step %q", report.Steps[3])
			}
		})
	}
}
