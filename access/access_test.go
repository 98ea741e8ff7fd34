package access_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// tree is two organisations with every role:
//
//	A "Aarhus Kommune"   suborgs A1 (branches A1a, A1b), A2 (branch A2a)
//	B "Brøndby Kommune"  suborg  B1 (branch B1a)
//
// plus "unknown" ids that name no record of any collection.
type tree struct {
	app core.App
	ids map[string]string // fixture name -> record id
}

const unknown = "unknown"

func newTree(t *testing.T) *tree {
	t.Helper()
	tr := &tree{app: testapp.New(t), ids: map[string]string{unknown: "424242424242424"}}
	tr.save(t, "A", collections.Organisations, map[string]any{"name": "Aarhus Kommune"})
	tr.save(t, "B", collections.Organisations, map[string]any{"name": "Brøndby Kommune"})
	tr.save(t, "A1", collections.Suborganisations, map[string]any{"name": "Global", "organisation": "A"})
	tr.save(t, "A2", collections.Suborganisations, map[string]any{"name": "Skoler", "organisation": "A"})
	tr.save(t, "B1", collections.Suborganisations, map[string]any{"name": "Global", "organisation": "B"})
	tr.save(t, "A1a", collections.Branches, map[string]any{"name": "Rådhus", "suborganisation": "A1"})
	tr.save(t, "A1b", collections.Branches, map[string]any{"name": "Bibliotek", "suborganisation": "A1"})
	tr.save(t, "A2a", collections.Branches, map[string]any{"name": "Skole", "suborganisation": "A2"})
	tr.save(t, "B1a", collections.Branches, map[string]any{"name": "Rådhus", "suborganisation": "B1"})

	// memberships per user: role, organisation, suborganisation, branch
	users := []struct {
		name        string
		memberships [][4]string
	}{
		{"super", [][4]string{{collections.RoleSuperAdmin, "", "", ""}}},
		{"superInB", [][4]string{{collections.RoleSuperAdmin, "B", "", ""}}},
		{"orgAdminA", [][4]string{{collections.RoleOrgAdmin, "A", "", ""}}},
		{"orgUserA", [][4]string{{collections.RoleOrgUser, "A", "", ""}}},
		{"orgUserA1a", [][4]string{{collections.RoleOrgUser, "A", "A1", "A1a"}}},
		{"suborgAdminA1", [][4]string{{collections.RoleSuborgAdmin, "A", "A1", ""}}},
		{"branchAdminA1a", [][4]string{{collections.RoleBranchAdmin, "A", "A1", "A1a"}}},
		{"employeeA2a", [][4]string{{collections.RoleEmployee, "A", "A2", "A2a"}}},
		{"orgAdminB", [][4]string{{collections.RoleOrgAdmin, "B", "", ""}}},
		{"employeeA1bSuborgAdminB1", [][4]string{
			{collections.RoleEmployee, "A", "A1", "A1b"},
			{collections.RoleSuborgAdmin, "B", "B1", ""},
		}},
		{"orgUserAB", [][4]string{{collections.RoleOrgUser, "A", "", ""}, {collections.RoleOrgUser, "B", "B1", ""}}},
		{"nobody", nil},
	}
	for _, u := range users {
		tr.save(t, u.name, collections.Users, map[string]any{"username": u.name, "password": "password1", "passwordConfirm": "password1"})
		for _, ms := range u.memberships {
			tr.save(t, "", collections.Memberships, map[string]any{
				"user": u.name, "role": ms[0], "organisation": ms[1], "suborganisation": ms[2], "branch": ms[3],
			})
		}
	}
	return tr
}

// save creates a record; string values that are fixture names become ids.
func (tr *tree) save(t *testing.T, name, collection string, fields map[string]any) *core.Record {
	t.Helper()
	r, err := collections.NewRecord(tr.app, collection)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		if s, ok := v.(string); ok && k != "name" && k != "username" {
			if id, known := tr.ids[s]; known {
				v = id
			}
		}
		r.Set(k, v)
	}
	if err := tr.app.Save(r); err != nil {
		t.Fatalf("save %s %s: %v", collection, name, err)
	}
	if name != "" {
		tr.ids[name] = r.Id
	}
	return r
}

var (
	orgs     = []string{"A", "B", unknown}
	suborgs  = []string{"A1", "A2", "B1", unknown}
	branches = []string{"A1a", "A1b", "A2a", "B1a", unknown}
	all      = []string{"A", "B", "A1", "A2", "B1", "A1a", "A1b", "A2a", "B1a"}
)

// grants is what one user may do: the targets each predicate allows. Any
// target not listed (the unknown ids included) must be denied.
type grants struct {
	super                        bool
	orgAdmin, belongs            []string // organisations
	manageSuborg, accessBranches []string
}

func TestPredicates(t *testing.T) {
	tr := newTree(t)
	matrix := map[string]grants{
		// A super_admin row allows everything, with or without an organisation.
		"super":    {super: true, orgAdmin: all, belongs: all, manageSuborg: all, accessBranches: all},
		"superInB": {super: true, orgAdmin: all, belongs: all, manageSuborg: all, accessBranches: all},
		// org_admin: its whole organisation, nothing of the other one.
		"orgAdminA": {orgAdmin: []string{"A"}, belongs: []string{"A"}, manageSuborg: []string{"A1", "A2"}, accessBranches: []string{"A1a", "A1b", "A2a"}},
		"orgAdminB": {orgAdmin: []string{"B"}, belongs: []string{"B"}, manageSuborg: []string{"B1"}, accessBranches: []string{"B1a"}},
		// org_user: belongs, no branch access...
		"orgUserA": {belongs: []string{"A"}},
		// ...unless its row names a branch: "any membership with branch=B".
		"orgUserA1a": {belongs: []string{"A"}, accessBranches: []string{"A1a"}},
		// suborg_admin: its suborganisation and all of its branches.
		"suborgAdminA1": {belongs: []string{"A"}, manageSuborg: []string{"A1"}, accessBranches: []string{"A1a", "A1b"}},
		// branch_admin and employee: their one branch.
		"branchAdminA1a": {belongs: []string{"A"}, accessBranches: []string{"A1a"}},
		"employeeA2a":    {belongs: []string{"A"}, accessBranches: []string{"A2a"}},
		// Powers are the union of the rows.
		"employeeA1bSuborgAdminB1": {belongs: []string{"A", "B"}, manageSuborg: []string{"B1"}, accessBranches: []string{"A1b", "B1a"}},
		// An org_user row with a suborganisation grants no management.
		"orgUserAB": {belongs: []string{"A", "B"}},
		"nobody":    {},
		unknown:     {},
	}
	type predicate func(app core.App, userID, targetID string) (bool, error)
	checks := []struct {
		name    string
		fn      predicate
		targets []string
		allowed func(grants) []string
	}{
		{"IsOrgAdminIn", access.IsOrgAdminIn, orgs, func(g grants) []string { return g.orgAdmin }},
		{"BelongsToOrg", access.BelongsToOrg, orgs, func(g grants) []string { return g.belongs }},
		{"CanManageSuborg", access.CanManageSuborg, suborgs, func(g grants) []string { return g.manageSuborg }},
		{"CanAccessBranch", access.CanAccessBranch, branches, func(g grants) []string { return g.accessBranches }},
	}
	for user, g := range matrix {
		userID := tr.ids[user]
		t.Run(user+"/IsSuperAdmin", func(t *testing.T) {
			got, err := access.IsSuperAdmin(tr.app, userID)
			if err != nil || got != g.super {
				t.Errorf("IsSuperAdmin = %v, %v; want %v", got, err, g.super)
			}
		})
		for _, c := range checks {
			for _, target := range c.targets {
				want := target != unknown && slices.Contains(c.allowed(g), target)
				t.Run(user+"/"+c.name+"/"+target, func(t *testing.T) {
					got, err := c.fn(tr.app, userID, tr.ids[target])
					if err != nil || got != want {
						t.Errorf("%s(%s, %s) = %v, %v; want %v", c.name, user, target, got, err, want)
					}
				})
			}
		}
	}
}

func TestEmptyIds(t *testing.T) {
	tr := newTree(t)
	fns := map[string]func(core.App, string, string) (bool, error){
		"IsOrgAdminIn": access.IsOrgAdminIn, "BelongsToOrg": access.BelongsToOrg,
		"CanManageSuborg": access.CanManageSuborg, "CanAccessBranch": access.CanAccessBranch,
	}
	for name, fn := range fns {
		// A super admin's row has no organisation (""); an empty target must
		// still not match it, nor must an empty user match anything.
		for _, args := range [][2]string{{tr.ids["super"], ""}, {"", tr.ids["A1a"]}, {"", ""}} {
			if got, err := fn(tr.app, args[0], args[1]); got || err != nil {
				t.Errorf("%s(%q, %q) = %v, %v; want false, nil", name, args[0], args[1], got, err)
			}
		}
	}
	if got, err := access.IsSuperAdmin(tr.app, ""); got || err != nil {
		t.Errorf("IsSuperAdmin(\"\") = %v, %v", got, err)
	}
}

func TestResolveOrganisation(t *testing.T) {
	tr := newTree(t)
	tr.save(t, "KK", collections.Organisations, map[string]any{"name": "Københavns Kommune", "uri_name": "kk"})
	tr.save(t, "Year", collections.Organisations, map[string]any{"name": "2024"})
	tr.save(t, "Slug", collections.Organisations, map[string]any{"name": "Nyt Navn", "uri_name": "legacy-realm"})
	// uri_name is always slugified on save; an imported row may still hold a
	// raw value, which only the lowercase step finds.
	tr.save(t, "Raw", collections.Organisations, map[string]any{"name": "Legacy"})
	tr.save(t, "Raw2", collections.Organisations, map[string]any{"name": "Legacy 2"})
	for key, uri := range map[string]string{"Raw": "legacy realm", "Raw2": "Mixed Case"} {
		if _, err := tr.app.DB().Update(collections.Organisations, dbx.Params{"uri_name": uri}, dbx.HashExp{"id": tr.ids[key]}).Execute(); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		input, want string // want: fixture name, "" for ErrNotFound
	}{
		{tr.ids["A"], "A"},
		{" \t" + tr.ids["B"] + "\n", "B"},
		{"00" + tr.ids["A"], "A"}, // int("007") == 7
		{"aarhus-kommune", "A"},   // what the frontend sends
		{"Aarhus Kommune", "A"},   // slugify(input)
		{"  AARHUS   kommune ", "A"},
		{"\x1cbrndby-kommune\x1f", "B"}, // Python's strip() removes \x1c-\x1f
		{"Brøndby Kommune", "B"},        // slugify drops ø: brndby-kommune
		{"kk", "KK"},
		{"KØBENHAVNS KOMMUNE", "KK"}, // only the name matches, Unicode case folded
		{"københavns kommune", "KK"},
		{"Legacy Realm", "Slug"}, // slugify beats lowercase
		{"LEGACY REALM", "Slug"},
		{"Legacy  Realm", "Slug"}, // slugify collapses the spaces
		{"Mixed Case", ""},        // lowercase gives "mixed case", the row holds "Mixed Case"
		{"legacy 2", "Raw2"},      // the name, case-insensitively
		{"2024", ""},              // digits: id lookup only, although the name is "2024"
		{tr.ids[unknown], ""},
		{"0", ""},
		{"", ""},
		{"   ", ""},
		{"nowhere", ""},
		{"aarhus-kommune' OR 1=1 --", ""}, // bound parameters, never SQL
	}
	for _, c := range cases {
		t.Run(c.input, func(t *testing.T) {
			org, err := access.ResolveOrganisation(tr.app, c.input)
			if c.want == "" {
				if !errors.Is(err, access.ErrNotFound) {
					t.Errorf("got %v, %v; want ErrNotFound", org, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if org.Id != tr.ids[c.want] {
				t.Errorf("got %s (%s), want %s", org.Id, org.GetString("name"), c.want)
			}
		})
	}

	// Without the slug match, the lowercase step finds the raw uri_name.
	if err := tr.app.Delete(mustFind(t, tr, "Slug")); err != nil {
		t.Fatal(err)
	}
	org, err := access.ResolveOrganisation(tr.app, "LEGACY REALM")
	if err != nil || org.Id != tr.ids["Raw"] {
		t.Errorf("got %v, %v; want the raw uri_name's organisation", org, err)
	}
}

func mustFind(t *testing.T, tr *tree, name string) *core.Record {
	t.Helper()
	r, err := tr.app.FindRecordById(collections.Organisations, tr.ids[name])
	if err != nil {
		t.Fatal(err)
	}
	return r
}
