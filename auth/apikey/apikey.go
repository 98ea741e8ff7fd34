// Package apikey resolves the screen API keys (X-API-KEY, or the apiKey
// parameter of the registration endpoints) to their branch, and lets an
// operator rotate or switch off a branch's key.
package apikey

import (
	"errors"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// ErrInvalid means the value names no active key; malformed values, unknown
// keys and switched-off keys are deliberately indistinguishable.
var ErrInvalid = errors.New("Invalid or inactive API key.")

// ErrWrongBranch means a valid key of another branch than the screen's.
var ErrWrongBranch = errors.New("API key not valid for this branch.")

// ErrNoKey means the branch has no key row.
var ErrNoKey = errors.New("No API key found for this branch.")

// Normalize returns the canonical (lowercase, hyphenated) form of a key.
// Like upstream's UUID parsing it ignores case, hyphens, braces and a
// "urn:uuid:" prefix; anything else is not a key.
func Normalize(raw string) (string, bool) {
	if len(raw) > 45 { // the longest form uuid.Parse accepts
		return "", false
	}
	u, err := uuid.Parse(raw)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// Resolve returns the active key record raw names; ErrInvalid otherwise.
// With EnableCache it comes from memory when it can; callers only read it.
func Resolve(app core.App, raw string) (*core.Record, error) {
	key, ok := Normalize(raw)
	if !ok {
		return nil, ErrInvalid
	}
	if c := cacheOf(app); c != nil {
		return c.Get(key, func() (*core.Record, error) { return lookup(app, key) })
	}
	return lookup(app, key)
}

// lookup reads the active key record of a normalized key.
func lookup(app core.App, key string) (*core.Record, error) {
	rec, err := app.FindFirstRecordByFilter(collections.BranchAPIKeys, "key = {:key} && is_active = true", dbx.Params{"key": key})
	if err != nil {
		return nil, ErrInvalid
	}
	return rec, nil
}

// ForBranch returns the key record of branchID, or ErrNoKey.
func ForBranch(app core.App, branchID string) (*core.Record, error) {
	rec, err := app.FindFirstRecordByData(collections.BranchAPIKeys, "branch", branchID)
	if err != nil {
		return nil, ErrNoKey
	}
	return rec, nil
}

// Rotate gives branchID a new random key and activates it; every screen
// still using the old key must be registered again. A branch without a key
// row (an import gap) gets one.
func Rotate(app core.App, branchID string) (*core.Record, error) {
	rec, err := ForBranch(app, branchID)
	if errors.Is(err, ErrNoKey) {
		if _, err := app.FindRecordById(collections.Branches, branchID); err != nil {
			return nil, err
		}
		if rec, err = collections.NewRecord(app, collections.BranchAPIKeys); err != nil {
			return nil, err
		}
		rec.Set("branch", branchID)
	}
	rec.Set("key", uuid.NewString())
	rec.Set("is_active", true)
	return rec, app.Save(rec)
}

// SetActive switches branchID's key on or off without changing it.
func SetActive(app core.App, branchID string, active bool) (*core.Record, error) {
	rec, err := ForBranch(app, branchID)
	if err != nil {
		return nil, err
	}
	rec.Set("is_active", active)
	return rec, app.Save(rec)
}
