package cmd

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// run executes `keycloak args...` with env as the whole environment.
func run(t *testing.T, app core.App, env map[string]string, args ...string) (string, error) {
	t.Helper()
	c := keycloakCommand(app, func(k string) string { return env[k] })
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&out)
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

func kcEnv(kc *kctest.Server, extra ...string) map[string]string {
	env := map[string]string{"KEYCLOAK_URL": kc.URL(), "KEYCLOAK_ADMIN_USERNAME": kctest.AdminUsername, "KEYCLOAK_ADMIN_PASSWORD": kctest.AdminPassword}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func TestCreateRealmCommand(t *testing.T) {
	kc := kctest.Start(t)
	env := kcEnv(kc, "EMAIL_HOST", "smtp.example.com", "EMAIL_HOST_USER", "mailer@example.com", "EMAIL_HOST_PASSWORD", "pw")
	steps := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{[]string{"create-realm", "kk"}, []string{
			"logged in to Keycloak at " + kc.URL() + ` as "admin"`,
			`created  realm "kk"`,
			`assigned role "org_user" to user "kk_suborg_admin"`,
			`done: realm "kk": 7 created, 0 updated, 3 roles assigned, 0 already existed`,
		}, ""},
		{[]string{"create-realm", "kk"}, []string{
			`updated  realm "kk" (SMTP server smtp.example.com)`,
			`done: realm "kk": 0 created, 1 updated, 0 roles assigned, 9 already existed`,
		}, ""},
		{[]string{"create-realm"}, nil, "accepts 1 arg(s), received 0"},
	}
	for _, st := range steps {
		out, err := run(t, nil, env, st.args...)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%v: error %v, want %q", st.args, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v\n%s", st.args, err, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w+"\n") {
				t.Fatalf("%v: want line %q in:\n%s", st.args, w, out)
			}
		}
	}
	st, _ := kc.Realm("kk")
	if st.SMTPServer["host"] != "smtp.example.com" || st.SMTPServer["from"] != "mailer@example.com" || st.SMTPServer["auth"] != "true" {
		t.Fatalf("smtp %v", st.SMTPServer)
	}
}

func TestCreateRealmCommandRedirectURIs(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"defaults", nil, nil, `["http://localhost:5173/*","http://localhost:8000/*"]`},
		{"FRONTEND_HOST and BACKEND_BASE_URL", []string{"FRONTEND_HOST", "https://app.example.com/", "BACKEND_BASE_URL", "https://api.example.com"}, nil,
			`["https://app.example.com/*","https://api.example.com/*"]`},
		{"realm-specific variables win", []string{"FRONTEND_HOST", "https://app.example.com", "KEYCLOAK_REALM_FRONTEND_ORIGIN", "https://kk.example.com",
			"BACKEND_BASE_URL", "https://api.example.com", "KEYCLOAK_REALM_BACKEND_BASE_URL", "https://kk-api.example.com"}, nil,
			`["https://kk.example.com/*","https://kk-api.example.com/*"]`},
		{"flags win", []string{"KEYCLOAK_REALM_FRONTEND_ORIGIN", "https://kk.example.com"},
			[]string{"--frontend-origin", "http://front.test", "--backend-base-url", "http://back.test"},
			`["http://front.test/*","http://back.test/*"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := kctest.Start(t)
			out, err := run(t, nil, kcEnv(kc, tt.env...), append([]string{"create-realm", "kk"}, tt.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			st, _ := kc.Realm("kk")
			if raw, _ := json.Marshal(st.Clients[0]["redirectUris"]); string(raw) != tt.want {
				t.Fatalf("redirect URIs %s, want %s", raw, tt.want)
			}
		})
	}
}

func TestKeycloakCommandErrors(t *testing.T) {
	kc := kctest.Start(t)
	app := testapp.New(t)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"create-realm not configured", map[string]string{}, []string{"create-realm", "kk"}, "Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST"},
		{"sync-users not configured", map[string]string{}, []string{"sync-users", "kk"}, "Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST"},
		{"wrong admin password", kcEnv(kc, "KEYCLOAK_ADMIN_PASSWORD", "nope"), []string{"create-realm", "kk"}, "401 Unauthorized: Invalid user credentials"},
		{"unknown organisation", kcEnv(kc), []string{"sync-users", "nope"}, `no organisation has uri_name "nope"`},
		{"compare field", kcEnv(kc), []string{"sync-users", "kk", "--compare_field", "email"}, `--compare-field "email" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, app, tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q\n%s", err, tt.wantErr, out)
			}
		})
	}
}

func TestSyncUsersCommand(t *testing.T) {
	app := testapp.New(t)
	save := func(collection string, fields map[string]any) *core.Record {
		r, err := collections.NewRecord(app, collection)
		if err != nil {
			t.Fatal(err)
		}
		r.Load(fields)
		if collection == collections.Users {
			r.SetPassword("local-password")
		}
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	org := save(collections.Organisations, map[string]any{"name": "KK", "uri_name": "kk"})
	for _, u := range []struct{ name, email, role string }{
		{"alice", "alice@example.com", collections.RoleOrgAdmin},
		{"bob", "", collections.RoleOrgUser},
		{"eve", "eve@example.com", collections.RoleSuperAdmin},
	} {
		user := save(collections.Users, map[string]any{"username": u.name, "email": u.email})
		m := map[string]any{"user": user.Id, "role": u.role}
		if u.role != collections.RoleSuperAdmin {
			m["organisation"] = org.Id
		}
		save(collections.Memberships, m)
	}
	kc := kctest.Start(t)
	kc.AddRealm("kk")
	env := kcEnv(kc, "FRONTEND_HOST", "https://openstream.example.com", "EMAIL_HOST_USER", "sender@example.com")

	steps := []struct {
		args      []string
		want      []string
		wantErr   string
		wantMails int
	}{
		{[]string{"sync-users", "kk", "--dry_run", "--include-super-admins"}, []string{
			`keycloak realm "kk" has 0 users`,
			"would create alice <alice@example.com>",
			"would create eve <eve@example.com>",
			"skip     bob: no email",
			"done: local users: 3, already in Keycloak: 0, would create (dry run): 2, skipped without email: 1, mails sent: 0, errors: 0",
		}, "", 0},
		{[]string{"sync-users", "kk", "--batch-size", "1"}, []string{
			"created  alice <alice@example.com>",
			"done: local users: 2, already in Keycloak: 0, created: 1, skipped without email: 1, mails sent: 1, errors: 0",
		}, "", 1},
		{[]string{"sync-users", "kk", "--temp-password", "Welcome-1", "--include-super-admins", "--verbose"}, []string{
			"exists   alice",
			"created  eve <eve@example.com>",
			"done: local users: 3, already in Keycloak: 1, created: 1, skipped without email: 1, mails sent: 0, errors: 0",
		}, "", 1},
		{[]string{"sync-users", "kk", "extra"}, nil, "accepts 1 arg(s), received 2", 1},
	}
	for _, st := range steps {
		out, err := run(t, app, env, st.args...)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%v: error %v, want %q", st.args, err, st.wantErr)
			}
		} else if err != nil {
			t.Fatalf("%v: %v\n%s", st.args, err, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w+"\n") {
				t.Fatalf("%v: want line %q in:\n%s", st.args, w, out)
			}
		}
		if n := app.TestMailer.TotalSend(); n != st.wantMails {
			t.Fatalf("%v: %d mails sent, want %d", st.args, n, st.wantMails)
		}
	}
	m := app.TestMailer.LastMessage()
	if m.From.Address != "sender@example.com" || m.To[0].Address != "alice@example.com" || !strings.Contains(m.Text, "https://openstream.example.com/kk/sign-in") {
		t.Fatalf("mail %+v", m)
	}
	users := kc.Users("kk")
	if len(users) != 2 || users[1].Username != "eve" || users[1].Password != "Welcome-1" || !users[1].Temporary {
		t.Fatalf("keycloak users %+v", users)
	}
}

// The command is reachable from the program's root command.
func TestKeycloakCommandIsRegistered(t *testing.T) {
	t.Setenv(EnvDataDir, t.TempDir())
	root := New(fstest.MapFS{}).RootCmd
	for _, path := range [][]string{{"keycloak", "create-realm"}, {"keycloak", "sync-users"}} {
		c, _, err := root.Find(path)
		if err != nil || c.Name() != path[1] {
			t.Fatalf("%v: %v %v", path, c, err)
		}
	}
}
