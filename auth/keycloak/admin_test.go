package keycloak

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
)

func adminConfigFor(kc *kctest.Server) Config {
	return Config{
		PublicURL: kc.URL(), InternalURL: kc.URL(), ClientID: DefaultClientID,
		AdminUsername: kctest.AdminUsername, AdminPassword: kctest.AdminPassword, Timeout: 5 * time.Second,
	}
}

func loginAdmin(t *testing.T, kc *kctest.Server) *Admin {
	t.Helper()
	a, err := NewAdmin(context.Background(), adminConfigFor(kc))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewAdmin(t *testing.T) {
	kc := kctest.Start(t)
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"ok", func(*Config) {}, ""},
		{"wrong password", func(c *Config) { c.AdminPassword = "nope" }, "401 Unauthorized: Invalid user credentials"},
		{"wrong user", func(c *Config) { c.AdminUsername = "root" }, `admin login as "root"`},
		{"not configured", func(c *Config) { *c = Config{} }, "Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST"},
		{"nothing listening", func(c *Config) { c.InternalURL = "http://127.0.0.1:1" }, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := adminConfigFor(kc)
			tt.change(&cfg)
			_, err := NewAdmin(context.Background(), cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestAdminCalls(t *testing.T) {
	kc := kctest.Start(t)
	a := loginAdmin(t, kc)
	ctx := context.Background()
	var userID string
	steps := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"realm missing", func() error {
			ok, err := a.RealmExists(ctx, "kk")
			if ok {
				return errors.New("exists")
			}
			return err
		}, ""},
		{"create realm", func() error { return a.CreateRealm(ctx, map[string]any{"realm": "kk", "enabled": true}) }, ""},
		{"create realm twice", func() error { return a.CreateRealm(ctx, map[string]any{"realm": "kk"}) }, "POST /admin/realms: 409 Conflict: Conflict detected"},
		{"realm exists", func() error {
			if ok, err := a.RealmExists(ctx, "kk"); !ok {
				return errors.Join(errors.New("missing"), err)
			}
			return nil
		}, ""},
		{"update realm", func() error { return a.UpdateRealm(ctx, "kk", map[string]any{"displayName": "KK"}) }, ""},
		{"update missing realm", func() error { return a.UpdateRealm(ctx, "zz", map[string]any{}) }, "404 Not Found: Realm not found."},
		{"ensure role creates", func() error {
			return wantBool(a.EnsureRealmRole(ctx, "kk", "org_admin", "Organisation administrator"))(true)
		}, ""},
		{"ensure role finds", func() error { return wantBool(a.EnsureRealmRole(ctx, "kk", "org_admin", "other"))(false) }, ""},
		{"missing role", func() error { _, err := a.RealmRole(ctx, "kk", "nope"); return err }, "404 Not Found: Could not find role"},
		{"no client", func() error {
			c, err := a.FindClient(ctx, "kk", "openstream-api")
			if c != nil {
				return errors.New("found")
			}
			return err
		}, ""},
		{"create client", func() error {
			id, err := a.CreateClient(ctx, "kk", map[string]any{"clientId": "openstream-api", "publicClient": true})
			if err == nil && id == "" {
				return errors.New("no id")
			}
			return err
		}, ""},
		{"find client", func() error {
			c, err := a.FindClient(ctx, "kk", "openstream-api")
			if err == nil && (c == nil || c["id"] == "" || c["publicClient"] != true) {
				return errors.New("not found")
			}
			return err
		}, ""},
		{"no user", func() error {
			u, err := a.FindUser(ctx, "kk", "alice")
			if u != nil {
				return errors.New("found")
			}
			return err
		}, ""},
		{"create user", func() (err error) {
			userID, err = a.CreateUser(ctx, "kk", UserRepresentation{Username: "Alice", Email: "alice@example.com", Enabled: true, EmailVerified: true})
			return err
		}, ""},
		{"create user twice", func() error { _, err := a.CreateUser(ctx, "kk", UserRepresentation{Username: "alice"}); return err }, "409 Conflict: User exists with same username"},
		{"find user ignores case", func() error {
			u, err := a.FindUser(ctx, "kk", "ALICE")
			if err == nil && (u == nil || u.ID != userID || u.Username != "alice" || !u.Enabled) {
				return errors.New("not found")
			}
			return err
		}, ""},
		{"reset password", func() error { return a.ResetPassword(ctx, "kk", userID, "temp", true) }, ""},
		{"reset password of nobody", func() error { return a.ResetPassword(ctx, "kk", "nobody", "temp", true) }, "404 Not Found: User not found"},
		{"assign role", func() error { return a.AddRealmRoles(ctx, "kk", userID, "org_admin") }, ""},
		{"assign missing role", func() error { return a.AddRealmRoles(ctx, "kk", userID, "nope") }, "Could not find role"},
		{"user roles", func() error {
			roles, err := a.UserRealmRoles(ctx, "kk", userID)
			if err == nil && !slices.Contains(roles, "org_admin") {
				return errors.New("role missing")
			}
			return err
		}, ""},
	}
	for _, st := range steps {
		err := st.call()
		if st.wantErr == "" && err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Fatalf("%s: error %v, want %q", st.name, err, st.wantErr)
		}
	}
	if !IsStatus(a.CreateRealm(ctx, map[string]any{"realm": "kk"}), http.StatusConflict) {
		t.Fatal("IsStatus does not see the 409")
	}
	users := kc.Users("kk")
	if len(users) != 1 || !users[0].Temporary || users[0].Password != "temp" || !slices.Equal(users[0].RealmRoles, []string{"org_admin"}) {
		t.Fatalf("users %+v", users)
	}
}

func wantBool(got bool, err error) func(bool) error {
	return func(want bool) error {
		if err != nil {
			return err
		}
		if got != want {
			return errors.New("unexpected result")
		}
		return nil
	}
}

func TestAdminListsUsersInPages(t *testing.T) {
	kc := kctest.Start(t)
	kc.AddRealm("kk")
	for _, n := range []string{"e", "d", "c", "b", "a"} {
		kc.AddUser("kk", kctest.User{Username: n})
	}
	a := loginAdmin(t, kc)
	ctx := context.Background()
	if n, err := a.CountUsers(ctx, "kk"); err != nil || n != 5 {
		t.Fatalf("count %d %v", n, err)
	}
	tests := []struct {
		first, max int
		want       []string
	}{
		{0, 2, []string{"a", "b"}},
		{2, 2, []string{"c", "d"}},
		{4, 2, []string{"e"}},
		{5, 2, nil},
	}
	for _, tt := range tests {
		page, err := a.ListUsers(ctx, "kk", tt.first, tt.max)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range page {
			got = append(got, u.Username)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("first %d max %d: %v, want %v", tt.first, tt.max, got, tt.want)
		}
	}
}

// Master admin tokens live 60 s; a long run logs in again when one is
// about to run out instead of failing with 401.
func TestAdminRenewsItsToken(t *testing.T) {
	kc := kctest.Start(t)
	a := loginAdmin(t, kc)
	old := a.token
	a.expires = time.Now().Add(5 * time.Second)
	if _, err := a.RealmExists(context.Background(), "master"); err != nil {
		t.Fatal(err)
	}
	if a.token == old {
		t.Fatal("token not renewed")
	}
}
