package authtoken_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

func TestTokens(t *testing.T) {
	app := testapp.New(t)
	user, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("username", "anna")
	user.SetEmail("anna@example.dk")
	user.SetPassword("anna-password")
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	pair, err := authtoken.NewPair(user, authtoken.DefaultLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := authtoken.NewAccess(user, -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	reset, err := authtoken.NewPasswordReset(user)
	if err != nil {
		t.Fatal(err)
	}
	pbToken, err := user.NewAuthToken() // PocketBase's own token is a valid access token too
	if err != nil {
		t.Fatal(err)
	}
	parse := map[string]func(core.App, string) (*core.Record, error){
		"access": authtoken.ParseAccess, "refresh": authtoken.ParseRefresh, "reset": authtoken.ParsePasswordReset,
	}
	tests := []struct {
		kind, name, token string
		want              error
	}{
		{"access", "access", pair.Access, nil},
		{"access", "PocketBase auth token", pbToken, nil},
		{"access", "refresh token", pair.Refresh, authtoken.ErrWrongType},
		{"access", "reset token", reset, authtoken.ErrWrongType},
		{"access", "expired", expired, authtoken.ErrExpired},
		{"access", "tampered", pair.Access[:len(pair.Access)-4] + "AAAA", authtoken.ErrInvalid},
		{"access", "garbage", "null", authtoken.ErrInvalid},
		{"access", "empty", "", authtoken.ErrInvalid},
		{"refresh", "refresh", pair.Refresh, nil},
		{"refresh", "access token", pair.Access, authtoken.ErrWrongType},
		{"reset", "reset", reset, nil},
		{"reset", "access token", pair.Access, authtoken.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.name, func(t *testing.T) {
			got, err := parse[tt.kind](app, tt.token)
			if !errors.Is(err, tt.want) || (err == nil && got.Id != user.Id) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}

	// simplejwt's claims ride along, user_id as a string.
	claims, err := security.ParseUnverifiedJWT(pair.Access)
	if err != nil || claims["token_type"] != "access" || claims["user_id"] != user.Id || len(claims["jti"].(string)) != 32 || claims["type"] != "auth" {
		t.Fatalf("claims %v (%v)", claims, err)
	}

	// A token of another auth collection names no OpenStream user.
	su := core.NewRecord(mustCollection(t, app, core.CollectionNameSuperusers))
	su.SetEmail("root@example.dk")
	su.SetPassword("root-password")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	suToken, _ := su.NewAuthToken()
	if _, err := authtoken.ParseAccess(app, suToken); !errors.Is(err, authtoken.ErrNoUser) {
		t.Fatalf("superuser token: %v", err)
	}

	// A new password revokes every earlier token, the reset link included.
	user.SetPassword("new-password-1")
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	for kind, token := range map[string]string{"access": pair.Access, "refresh": pair.Refresh, "reset": reset} {
		if _, err := parse[kind](app, token); !errors.Is(err, authtoken.ErrInvalid) {
			t.Fatalf("%s token after a password change: %v", kind, err)
		}
	}
}

func mustCollection(t *testing.T, app core.App, name string) *core.Collection {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
