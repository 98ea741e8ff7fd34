package cmd

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/pgtest"
	"github.com/openstream-go/openstream/settings"
)

// With the Postgres mirror on, every save of a user runs inside the
// outbox's transaction. PocketBase's own hooks around an auth record's save
// (the OTP and MFA clean-up after a password change) and its after-success
// hooks must still get a usable app: they once got the finished
// transaction, and the first login of every imported user, every password
// change and PocketBase's own password PATCH failed after committing.
func TestUserJourneysWithMirrorOn(t *testing.T) {
	dsn := pgtest.Database(t)
	// Wire reads the environment as `serve` does.
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("OPENSTREAM_EVENTS_ADDR", "off")

	app := testapp.New(t)
	if err := outbox.Ensure(app); err != nil {
		t.Fatal(err)
	}
	kc := kctest.Start(t)
	kc.AddRealm("aarhus")
	const frontend = "https://cms.example.dk"
	site := settings.FromEnv(func(k string) string { return map[string]string{"FRONTEND_HOST": frontend}[k] })
	Wire(app, site, keycloak.ConfigFromEnv(func(k string) string { return map[string]string{"KEYCLOAK_URL": kc.URL()}[k] }))
	if _, err := provision.CreateOrganisation(app, "Aarhus Kommune", "aarhus"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testapp.Handler(t, app)) // starts the mirror's worker
	t.Cleanup(srv.Close)
	pg := pgtest.Connect(t, dsn)

	// mirrored waits until auth_user's row of username satisfies ok.
	mirrored := func(username, what string, ok func(password, firstName string) bool) {
		t.Helper()
		pgtest.Eventually(t, "auth_user row of "+username+": "+what, func() (bool, string) {
			var password, first string
			err := pg.QueryRow(context.Background(),
				"SELECT password, first_name FROM auth_user WHERE username = $1", username).Scan(&password, &first)
			if err != nil {
				return false, err.Error()
			}
			return ok(password, first), "password " + password + ", first_name " + first
		})
	}
	call := func(method, path, token string, body any) map[string]any {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s %s answered %d: %s", method, path, res.StatusCode, out)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m
	}

	// An imported user: the Django hash waits for the first login.
	user, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("username", "migrated")
	user.SetEmail("migrated@aarhus.dk")
	user.SetRandomPassword()
	user.Set("is_active", true)
	user.Set(collections.DjangoPasswordField, djangohash.Make("old-django-pw", "salt", 1000))
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	mirrored("migrated", "the Django hash", func(p, _ string) bool { return strings.HasPrefix(p, "pbkdf2_sha256$") })

	steps := []struct {
		name string
		run  func()
		// want is what auth_user.password must then look like.
		want func(password, firstName string) bool
	}{
		{"first login with the Django password upgrades it", func() {
			call("POST", "/api/token/", "", map[string]any{"username": "migrated", "password": "old-django-pw"})
		}, bcryptOf(app, "migrated", "old-django-pw")},
		{"second login", func() {
			call("POST", "/api/token/", "", map[string]any{"username": "migrated", "password": "old-django-pw"})
		}, bcryptOf(app, "migrated", "old-django-pw")},
		{"change-password", func() {
			tok := call("POST", "/api/token/", "", map[string]any{"username": "migrated", "password": "old-django-pw"})["access"].(string)
			call("POST", "/api/user/change-password/", "Bearer "+tok,
				map[string]any{"old_password": "old-django-pw", "new_password": "changed-pw-1", "confirm_password": "changed-pw-1"})
		}, bcryptOf(app, "migrated", "changed-pw-1")},
		{"PocketBase's own password PATCH", func() {
			auth := call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "migrated", "password": "changed-pw-1"})
			id := auth["record"].(map[string]any)["id"].(string)
			call("PATCH", "/api/collections/users/records/"+id, auth["token"].(string),
				map[string]any{"oldPassword": "changed-pw-1", "password": "patched-pw-2", "passwordConfirm": "patched-pw-2"})
		}, bcryptOf(app, "migrated", "patched-pw-2")},
		{"password reset confirm", func() {
			u, err := app.FindAuthRecordByEmail(collections.Users, "migrated@aarhus.dk")
			if err != nil {
				t.Fatal(err)
			}
			token, err := authtoken.NewPasswordReset(u)
			if err != nil {
				t.Fatal(err)
			}
			call("POST", "/api/confirm-password-reset/", "", map[string]any{"token": token, "new_password": "reset-pw-3"})
		}, bcryptOf(app, "migrated", "reset-pw-3")},
		{"a dashboard superuser edits the user", func() {
			u, _ := app.FindAuthRecordByEmail(collections.Users, "migrated@aarhus.dk")
			call("PATCH", "/api/collections/users/records/"+u.Id, testapp.SuperuserToken(t, app), map[string]any{"first_name": "Mette"})
		}, func(_, first string) bool { return first == "Mette" }},
	}
	for _, s := range steps {
		s.run()
		mirrored("migrated", s.name, s.want)
	}

	// Keycloak's first sign-in creates the local user and its membership.
	kc.AddUser("aarhus", kctest.User{Username: "karen", Password: "kc-pass", Email: "karen@aarhus.dk", EmailVerified: true,
		FirstName: "Karen", LastName: "Jensen", RealmRoles: []string{"org_admin"}})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(srv.URL + "/auth/signin/?org=aarhus")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back := kc.SignIn(t, res.Header.Get("Location"), "karen", "kc-pass")
	res, err = browser.Get(back.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), frontend+"/aarhus/sign-in-callback") {
		t.Fatalf("Keycloak callback answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	mirrored("karen", "created by the Keycloak sign-in", func(_, first string) bool { return first == "Karen" })
	pgtest.Eventually(t, "karen's membership mirrored", func() (bool, string) {
		var role string
		err := pg.QueryRow(context.Background(), `SELECT m.role FROM app_organisationmembership m
			JOIN auth_user u ON u.id = m.user_id WHERE u.username = 'karen'`).Scan(&role)
		return err == nil && role == "org_admin", "role " + role
	})
}

// bcryptOf accepts the mirror's row once it holds the user's current
// PocketBase hash and that hash is of password.
func bcryptOf(app core.App, username, password string) func(string, string) bool {
	return func(mirrored, _ string) bool {
		u, err := app.FindFirstRecordByData(collections.Users, "username", username)
		if err != nil || !u.ValidatePassword(password) {
			return false
		}
		return mirrored == "bcrypt$"+u.GetString(core.FieldNamePassword+":hash")
	}
}
