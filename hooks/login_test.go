package hooks_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

func TestPasswordLogin(t *testing.T) {
	app := testapp.New(t)
	h := testapp.Handler(t, app)
	user := func(username string, active bool, djangoHash string) *core.Record {
		u, err := collections.NewRecord(app, collections.Users)
		if err != nil {
			t.Fatal(err)
		}
		u.Set("username", username)
		u.Set("is_active", active)
		u.SetPassword("pocketbase-password")
		u.Set(collections.DjangoPasswordField, djangoHash)
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	legacy := user("legacy", true, djangohash.Make("old", "salt", 1000)) // shorter than PocketBase's minimum
	user("sleeper", false, "")
	user("regular", true, "")

	cases := []struct {
		name, identity, password string
		status                   int
	}{
		{"imported user, wrong password", "legacy", "wrong", 400},
		{"imported user, Django password", "legacy", "old", 200},
		{"imported user again, now re-hashed", "legacy", "old", 200},
		{"regular user", "regular", "pocketbase-password", 200},
		{"regular user, wrong password", "regular", "nope", 400},
		{"inactive user, right password", "sleeper", "pocketbase-password", 400},
		{"unknown user", "ghost", "whatever", 400},
	}
	for _, c := range cases {
		res := testapp.Do(t, h, "POST", "/api/collections/users/auth-with-password",
			map[string]any{"identity": c.identity, "password": c.password}, "")
		if res.Status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, res.Status, c.status, res.Body)
		}
	}
	after, _ := app.FindRecordById(collections.Users, legacy.Id)
	if after.GetString(collections.DjangoPasswordField) != "" || !after.ValidatePassword("old") {
		t.Error("the Django hash was not replaced by a PocketBase password")
	}
}
