// Package roles holds the rules of OpenStream's membership roles that do not
// depend on storage, so record hooks and API handlers share one definition.
package roles

import (
	"slices"

	"github.com/openstream-go/openstream/collections"
)

// Need says whether a membership scope must, may or must not be set for a role.
type Need int

const (
	Optional Need = iota
	Required
	Forbidden
)

// Shape is the scope a role takes: organisation, suborganisation, branch.
type Shape struct{ Organisation, Suborganisation, Branch Need }

// Shapes is upstream's role table (docs/api.md, "Roles").
var Shapes = map[string]Shape{
	collections.RoleSuperAdmin:  {Optional, Forbidden, Forbidden},
	collections.RoleOrgAdmin:    {Required, Forbidden, Forbidden},
	collections.RoleOrgUser:     {Required, Optional, Optional},
	collections.RoleSuborgAdmin: {Required, Required, Forbidden},
	collections.RoleBranchAdmin: {Required, Required, Required},
	collections.RoleEmployee:    {Required, Required, Required},
}

// Membership is what the rules need to know about one membership row: its
// role, the ids it points to ("" for none), and where the suborganisation and
// branch it names actually live.
type Membership struct {
	Role            string
	Organisation    string
	Suborganisation string
	Branch          string
	// SuborgOrganisation is the organisation the named suborganisation belongs to.
	SuborgOrganisation string
	// BranchSuborganisation is the suborganisation the named branch belongs to.
	BranchSuborganisation string
}

// Validate returns one message per offending field (keys "role",
// "organisation", "suborganisation", "branch"), or nil when the row is valid.
// Beyond upstream's table it also requires the suborganisation to belong to
// the organisation, which upstream never checked.
func (m Membership) Validate() map[string]string {
	shape, ok := Shapes[m.Role]
	if !ok {
		return map[string]string{"role": `"` + m.Role + `" is not a valid choice.`}
	}
	problems := map[string]string{}
	check := func(field, value string, need Need) {
		switch {
		case need == Required && value == "":
			problems[field] = "Role " + m.Role + " requires " + article(field) + "."
		case need == Forbidden && value != "":
			problems[field] = "Role " + m.Role + " cannot be limited to " + article(field) + "."
		}
	}
	check("organisation", m.Organisation, shape.Organisation)
	check("suborganisation", m.Suborganisation, shape.Suborganisation)
	check("branch", m.Branch, shape.Branch)
	if len(problems) > 0 {
		return problems
	}
	if m.Branch != "" {
		switch {
		case m.Suborganisation == "":
			problems["suborganisation"] = "A membership with a branch must name the branch's suborganisation."
		case m.BranchSuborganisation != m.Suborganisation:
			problems["branch"] = "The branch does not belong to the suborganisation."
		}
	}
	if m.Suborganisation != "" && m.Organisation != "" && m.SuborgOrganisation != m.Organisation {
		problems["suborganisation"] = "The suborganisation does not belong to the organisation."
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

func article(field string) string {
	if field == "organisation" {
		return "an organisation"
	}
	return "a " + field
}

// IsValid reports whether role is one of the membership roles.
func IsValid(role string) bool { return slices.Contains(collections.Roles, role) }
