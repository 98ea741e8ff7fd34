package api

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// TestUnknownUsersCostAPasswordCheck: /api/token/ spends one password
// check at the users' bcrypt cost on an unknown user, as it does on a
// known one, so its answer's time does not tell them apart (before, an
// unknown user was answered in 0.8 ms and a known one in 146 ms).
func TestUnknownUsersCostAPasswordCheck(t *testing.T) {
	app := testapp.New(t)
	spent := 0
	spend := spendPasswordCheck
	spendPasswordCheck = func(app core.App, password string) {
		spent++
		spend(app, password)
	}
	t.Cleanup(func() { spendPasswordCheck = spend })

	user, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("username", "known")
	user.SetEmail("known@example.dk")
	user.SetPassword("known-password")
	user.Set("is_active", true)
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		identity string
		spends   int
	}{{"nobody", 1}, {"nobody@example.dk", 1}, {"known", 0}, {"known@example.dk", 0}} {
		spent = 0
		if _, err := Login(app, tt.identity, "a guess"); !errors.Is(err, errNoAccount) {
			t.Fatalf("%s: %v", tt.identity, err)
		}
		if spent != tt.spends {
			t.Fatalf("%s: %d dummy checks, want %d (a known user's own hash is checked)", tt.identity, spent, tt.spends)
		}
	}

	// The dummy hash has the cost the users' passwords are hashed with.
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	cost := users.Fields.GetByName(core.FieldNamePassword).(*core.PasswordField).Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost // PocketBase's when the field sets none
	}
	hash, ok := dummyHashes.Load(cost)
	if !ok {
		t.Fatalf("no dummy hash of cost %d", cost)
	}
	if got, err := bcrypt.Cost(hash.([]byte)); err != nil || got != cost {
		t.Fatalf("dummy hash cost %d (%v), want %d", got, err, cost)
	}
	if c, _ := bcrypt.Cost([]byte(user.GetString(core.FieldNamePassword + ":hash"))); c != cost {
		t.Fatalf("a user's hash has cost %d, the dummy %d", c, cost)
	}
}
