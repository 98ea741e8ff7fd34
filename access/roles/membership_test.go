package roles

import (
	"reflect"
	"testing"
)

func TestMembershipValidate(t *testing.T) {
	// Org O has suborg S (branch B) and suborg T (branch C); org P has suborg X.
	in := func(role, org, sub, branch string) Membership {
		m := Membership{Role: role, Organisation: org, Suborganisation: sub, Branch: branch}
		m.SuborgOrganisation = map[string]string{"S": "O", "T": "O", "X": "P"}[sub]
		m.BranchSuborganisation = map[string]string{"B": "S", "C": "T"}[branch]
		return m
	}
	cases := []struct {
		name string
		m    Membership
		want map[string]string
	}{
		{"super admin global", in("super_admin", "", "", ""), nil},
		{"super admin with org", in("super_admin", "O", "", ""), nil},
		{"super admin with suborg", in("super_admin", "O", "S", ""), map[string]string{"suborganisation": "Role super_admin cannot be limited to a suborganisation."}},
		{"super admin with branch", in("super_admin", "", "", "B"), map[string]string{"branch": "Role super_admin cannot be limited to a branch."}},
		{"org admin", in("org_admin", "O", "", ""), nil},
		{"org admin without org", in("org_admin", "", "", ""), map[string]string{"organisation": "Role org_admin requires an organisation."}},
		{"org admin with suborg", in("org_admin", "O", "S", ""), map[string]string{"suborganisation": "Role org_admin cannot be limited to a suborganisation."}},
		{"org user", in("org_user", "O", "", ""), nil},
		{"org user with suborg and branch", in("org_user", "O", "S", "B"), nil},
		{"org user branch without suborg", in("org_user", "O", "", "B"), map[string]string{"suborganisation": "A membership with a branch must name the branch's suborganisation."}},
		{"org user branch of other suborg", in("org_user", "O", "S", "C"), map[string]string{"branch": "The branch does not belong to the suborganisation."}},
		{"suborg admin", in("suborg_admin", "O", "S", ""), nil},
		{"suborg admin without suborg", in("suborg_admin", "O", "", ""), map[string]string{"suborganisation": "Role suborg_admin requires a suborganisation."}},
		{"suborg admin with branch", in("suborg_admin", "O", "S", "B"), map[string]string{"branch": "Role suborg_admin cannot be limited to a branch."}},
		{"suborg of another org", in("suborg_admin", "O", "X", ""), map[string]string{"suborganisation": "The suborganisation does not belong to the organisation."}},
		{"employee", in("employee", "O", "S", "B"), nil},
		{"branch admin", in("branch_admin", "O", "T", "C"), nil},
		{"employee without branch", in("employee", "O", "S", ""), map[string]string{"branch": "Role employee requires a branch."}},
		{"employee without anything", in("employee", "", "", ""), map[string]string{
			"organisation": "Role employee requires an organisation.", "suborganisation": "Role employee requires a suborganisation.", "branch": "Role employee requires a branch.",
		}},
		{"unknown role", in("owner", "O", "", ""), map[string]string{"role": `"owner" is not a valid choice.`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.m.Validate(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Validate() = %v, want %v", got, c.want)
			}
		})
	}
}
