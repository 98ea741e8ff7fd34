package main

import (
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
)

// The keycloak commands as operators run them, against a Keycloak look-alike.
func TestKeycloakCommands(t *testing.T) {
	t.Parallel()
	kc := kctest.Start(t)
	dir := t.TempDir()
	data := "--dir=" + dir + "/pb_data"
	// Later entries win over the inherited environment.
	configured := []string{"KEYCLOAK_URL=" + kc.URL(), "KEYCLOAK_HOST=", "KEYCLOAK_ADMIN_USERNAME=" + kctest.AdminUsername,
		"KEYCLOAK_ADMIN_PASSWORD=" + kctest.AdminPassword, "EMAIL_HOST=", "FRONTEND_HOST=", "KEYCLOAK_REALM_FRONTEND_ORIGIN=",
		"BACKEND_BASE_URL=", "KEYCLOAK_REALM_BACKEND_BASE_URL="}
	unconfigured := []string{"KEYCLOAK_URL=", "KEYCLOAK_HOST="}
	steps := []struct {
		env    []string
		args   []string
		want   string
		failed bool
	}{
		{configured, []string{"keycloak", "create-realm", "brondby", data}, `done: realm "brondby": 7 created, 0 updated, 3 roles assigned, 0 already existed`, false},
		{configured, []string{"keycloak", "create-realm", "brondby", data}, `done: realm "brondby": 0 created, 0 updated, 0 roles assigned, 10 already existed`, false},
		{configured, []string{"keycloak", "sync-users", "brondby", data}, `no organisation has uri_name "brondby"`, true},
		{configured, []string{"create-organisation", "Brøndby Kommune", "brondby", data}, "done: 9 created", false},
		// create-organisation's demo users have no e-mail, so none is synced.
		{configured, []string{"keycloak", "sync-users", "brondby", "--verbose", data},
			"done: local users: 2, already in Keycloak: 0, created: 0, skipped without email: 2, mails sent: 0, errors: 0", false},
		{unconfigured, []string{"keycloak", "create-realm", "brondby", data}, "Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST", true},
		{unconfigured, []string{"keycloak", "sync-users", "brondby", data}, "Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST", true},
	}
	for _, s := range steps {
		out, err := openstream(t, dir, s.env, s.args...)
		if !strings.Contains(out, s.want) || (err != nil) != s.failed {
			t.Fatalf("openstream %s (err %v): want %q in output:\n%s", strings.Join(s.args, " "), err, s.want, out)
		}
	}
	if got := len(kc.Users("brondby")); got != 3 {
		t.Fatalf("%d users in the realm, want the 3 default users", got)
	}
}
