package apikey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
)

func TestResolveRotateDeactivate(t *testing.T) {
	app := testapp.New(t)
	for _, org := range []string{"aarhus", "odense"} {
		if _, err := provision.CreateOrganisation(app, org, org); err != nil {
			t.Fatal(err)
		}
	}
	branch := func(org string) string {
		b, err := app.FindFirstRecordByFilter(collections.Branches, "name = 'Demo Branch' && suborganisation.organisation.uri_name = {:o}", map[string]any{"o": org})
		if err != nil {
			t.Fatal(err)
		}
		return b.Id
	}
	aarhus, odense := branch("aarhus"), branch("odense")
	key, err := apikey.ForBranch(app, aarhus)
	if err != nil {
		t.Fatal(err)
	}
	k := key.GetString("key")

	tests := []struct {
		name, raw, branch string
	}{
		{"canonical", k, aarhus},
		{"upper case", strings.ToUpper(k), aarhus},
		{"braces", "{" + k + "}", aarhus},
		{"no hyphens", strings.ReplaceAll(k, "-", ""), aarhus},
		{"unknown", "00000000-0000-4000-8000-000000000000", ""},
		{"malformed", "not-a-key", ""},
		{"Bearer-looking", "Bearer " + k, ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apikey.Resolve(app, tt.raw)
			if tt.branch == "" {
				if !errors.Is(err, apikey.ErrInvalid) {
					t.Fatalf("Resolve(%q) = %v, %v; want ErrInvalid", tt.raw, got, err)
				}
				return
			}
			if err != nil || got.GetString("branch") != tt.branch {
				t.Fatalf("Resolve(%q) = %v, %v; want branch %s", tt.raw, got, err, tt.branch)
			}
		})
	}

	// The other organisation's key names the other branch, never this one.
	other, _ := apikey.ForBranch(app, odense)
	if got, err := apikey.Resolve(app, other.GetString("key")); err != nil || got.GetString("branch") != odense {
		t.Fatalf("foreign key resolved to %v, %v", got, err)
	}

	if _, err := apikey.SetActive(app, aarhus, false); err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.Resolve(app, k); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("inactive key accepted: %v", err)
	}
	if _, err := apikey.SetActive(app, aarhus, true); err != nil {
		t.Fatal(err)
	}
	rotated, err := apikey.Rotate(app, aarhus)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.GetString("key") == k {
		t.Fatal("rotate kept the key")
	}
	if _, err := apikey.Resolve(app, k); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatal("the old key still works after rotation")
	}
	if got, err := apikey.Resolve(app, rotated.GetString("key")); err != nil || got.GetString("branch") != aarhus {
		t.Fatalf("new key: %v, %v", got, err)
	}

	// A branch that lost its key row gets a new one on rotation.
	if err := app.Delete(rotated); err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.ForBranch(app, aarhus); !errors.Is(err, apikey.ErrNoKey) {
		t.Fatalf("ForBranch without a key: %v", err)
	}
	if _, err := apikey.Rotate(app, aarhus); err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.Rotate(app, "999999"); err == nil {
		t.Fatal("rotated the key of a branch that does not exist")
	}
}
