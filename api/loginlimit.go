package api

import (
	"crypto/rand"
	"errors"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"github.com/openstream-go/openstream/auth/loginlimit"
	"github.com/openstream-go/openstream/collections"
)

// begin counts an attempt of the caller's address and the given accounts
// (docs/api.md, "Sign-in limits"), or answers DRF's 429 with Retry-After.
func (h *handlers) begin(e *core.RequestEvent, accounts ...loginlimit.Key) (*loginlimit.Attempt, error) {
	keys := append([]loginlimit.Key{loginlimit.Address(e.RealIP())}, accounts...)
	attempt, err := h.cfg.Limits.Begin(e.Request.Context(), keys...)
	var t *loginlimit.Throttled
	if errors.As(err, &t) {
		return nil, throttled(t.Wait)
	}
	return attempt, err
}

// loginAccount is the account key of a sign-in: the user, or the identity
// when it names nobody.
func loginAccount(app core.App, user *core.Record, identity string) (loginlimit.Key, error) {
	if user != nil {
		return loginlimit.RecordAccount(user), nil
	}
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		return loginlimit.Key{}, err
	}
	return loginlimit.UnknownAccount(users, identity), nil
}

// dummyHashes are bcrypt hashes of a random password by cost, made once.
var dummyHashes sync.Map

// spendPasswordCheck costs what checking a user's password costs: one
// bcrypt comparison at the users collection's cost, against a hash nobody
// knows the password of.
var spendPasswordCheck = func(app core.App, password string) {
	cost := bcrypt.DefaultCost
	if users, err := app.FindCachedCollectionByNameOrId(collections.Users); err == nil {
		if f, ok := users.Fields.GetByName(core.FieldNamePassword).(*core.PasswordField); ok && f.Cost > 0 {
			cost = f.Cost
		}
	}
	hash, ok := dummyHashes.Load(cost)
	if !ok {
		h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
		if err != nil {
			return
		}
		hash, _ = dummyHashes.LoadOrStore(cost, h)
	}
	_ = bcrypt.CompareHashAndPassword(hash.([]byte), []byte(password))
}
