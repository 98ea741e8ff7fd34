package provision_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/internal/testapp"
)

func TestCreateOrganisationIsIdempotent(t *testing.T) {
	app := testapp.New(t)
	first, err := provision.CreateOrganisation(app, "Brøndby Kommune", "brondby")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range first {
		if !s.Created {
			t.Errorf("first run: %s", s)
		}
	}
	second, err := provision.CreateOrganisation(app, "Brøndby Kommune", "brondby")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range second {
		if s.Created {
			t.Errorf("second run created again: %s", s)
		}
	}

	counts := map[string]int{
		collections.Organisations: 1, collections.Suborganisations: 2, collections.Branches: 2,
		collections.BranchAPIKeys: 2, collections.Users: 2, collections.Memberships: 2,
	}
	for name, want := range counts {
		if got, _ := app.CountRecords(name); int(got) != want {
			t.Errorf("%s: %d records, want %d", name, got, want)
		}
	}

	org, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", "brondby")
	if err != nil || org.GetString("name") != "Brøndby Kommune" {
		t.Fatalf("organisation: %v %v", org, err)
	}
	tree := []struct{ suborg, branch string }{{"Global", "Global"}, {"Demo Suborg", "Demo Branch"}}
	for _, want := range tree {
		sub, err := app.FindFirstRecordByFilter(collections.Suborganisations, "organisation = {:o} && name = {:n}", dbx.Params{"o": org.Id, "n": want.suborg})
		if err != nil {
			t.Fatalf("suborganisation %s: %v", want.suborg, err)
		}
		if _, err := app.FindFirstRecordByFilter(collections.Branches, "suborganisation = {:s} && name = {:n}", dbx.Params{"s": sub.Id, "n": want.branch}); err != nil {
			t.Errorf("branch %s/%s: %v", want.suborg, want.branch, err)
		}
	}

	roles := map[string]string{"brondby_suborg_admin": collections.RoleSuborgAdmin, "brondby_employee": collections.RoleEmployee}
	for username, role := range roles {
		user, err := app.FindFirstRecordByData(collections.Users, "username", username)
		if err != nil {
			t.Fatalf("user %s: %v", username, err)
		}
		if !user.ValidatePassword(username) || !user.GetBool("is_active") {
			t.Errorf("user %s: password is not the username, or inactive", username)
		}
		if _, err := app.FindFirstRecordByFilter(collections.Memberships, "user = {:u} && role = {:r} && organisation = {:o}",
			dbx.Params{"u": user.Id, "r": role, "o": org.Id}); err != nil {
			t.Errorf("membership %s %s: %v", username, role, err)
		}
	}

	// A changed name renames the organisation found by its uri_name.
	if _, err := provision.CreateOrganisation(app, "Brøndby", "brondby"); err != nil {
		t.Fatal(err)
	}
	if renamed, _ := app.FindRecordById(collections.Organisations, org.Id); renamed.GetString("name") != "Brøndby" {
		t.Errorf("not renamed: %q", renamed.GetString("name"))
	}
	if n, _ := app.CountRecords(collections.Organisations); n != 1 {
		t.Errorf("rename created another organisation")
	}
}

// A failure part-way (the name belongs to another organisation) leaves
// nothing behind: the command runs in one transaction.
func TestCreateOrganisationRollsBack(t *testing.T) {
	app := testapp.New(t)
	if _, err := provision.CreateOrganisation(app, "Kolding", "kolding"); err != nil {
		t.Fatal(err)
	}
	before, _ := app.CountRecords(collections.Suborganisations)
	if _, err := provision.CreateOrganisation(app, "Kolding", "another"); err == nil {
		t.Fatal("a second organisation with the same name was accepted")
	}
	if after, _ := app.CountRecords(collections.Suborganisations); after != before {
		t.Errorf("failed run left suborganisations behind: %d -> %d", before, after)
	}
	if n, _ := app.CountRecords(collections.Users); n != 2 {
		t.Errorf("failed run left users behind: %d", n)
	}
}
