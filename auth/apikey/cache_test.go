package apikey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
)

// The cache answers like the database at every step: a key saved or
// deleted here stops working at once, Forget (another instance's notice)
// drops what was remembered, and a change nobody announced is seen once
// the cached entry is older than its age.
func TestCachedResolveFollowsChanges(t *testing.T) {
	app := testapp.New(t)
	if _, err := provision.CreateOrganisation(app, "aarhus", "aarhus"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	apikey.EnableCache(app, time.Minute, func() time.Time { return now })
	b, err := app.FindFirstRecordByFilter(collections.Branches, "name = 'Demo Branch'", nil)
	if err != nil {
		t.Fatal(err)
	}
	current := func() string {
		k, err := apikey.ForBranch(app, b.Id)
		if err != nil {
			t.Fatal(err)
		}
		return k.GetString("key")
	}
	// unannounced changes the row behind the app's back, as another
	// process without a hub would.
	unannounced := func(active bool) {
		if _, err := app.NonconcurrentDB().Update(collections.BranchAPIKeys, dbx.Params{"is_active": active},
			dbx.HashExp{"branch": b.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	works := func(step, key string, want bool) {
		t.Helper()
		rec, err := apikey.Resolve(app, key)
		if got := err == nil && rec.GetString("branch") == b.Id; got != want {
			t.Fatalf("%s: key works = %v (%v), want %v", step, got, err, want)
		}
		if err != nil && !errors.Is(err, apikey.ErrInvalid) {
			t.Fatalf("%s: %v", step, err)
		}
	}

	old := current()
	works("first use", old, true)
	if _, err := apikey.Rotate(app, b.Id); err != nil {
		t.Fatal(err)
	}
	works("rotated away", old, false)
	rotated := current()
	works("the new key", rotated, true)
	if _, err := apikey.SetActive(app, b.Id, false); err != nil {
		t.Fatal(err)
	}
	works("switched off", rotated, false)
	if _, err := apikey.SetActive(app, b.Id, true); err != nil {
		t.Fatal(err)
	}
	works("switched on", rotated, true)

	unannounced(false)
	works("an unannounced change, within the age", rotated, true)
	apikey.Forget(app)
	works("after another instance's notice", rotated, false)

	unannounced(true)
	works("switched on again, unannounced", rotated, true) // misses are not kept
	unannounced(false)
	now = now.Add(time.Minute)
	works("an unannounced change, after the age", rotated, false)
}
