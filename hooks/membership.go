package hooks

import (
	"maps"
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access/roles"
	"github.com/openstream-go/openstream/collections"
)

// registerMemberships enforces the role table (docs/api.md, "Roles"), plus the
// rule upstream forgot: the suborganisation belongs to the organisation.
func registerMemberships(app core.App) {
	app.OnRecordValidate(collections.Memberships).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		m := roles.Membership{
			Role:            e.Record.GetString("role"),
			Organisation:    e.Record.GetString("organisation"),
			Suborganisation: e.Record.GetString("suborganisation"),
			Branch:          e.Record.GetString("branch"),
		}
		if m.Suborganisation != "" {
			m.SuborgOrganisation = parentOf(e.App, collections.Suborganisations, m.Suborganisation, "organisation")
		}
		if m.Branch != "" {
			m.BranchSuborganisation = parentOf(e.App, collections.Branches, m.Branch, "suborganisation")
		}
		problems := m.Validate()
		if problems == nil {
			return nil
		}
		errs := validation.Errors{}
		for _, field := range slices.Sorted(maps.Keys(problems)) {
			errs[field] = validation.NewError("validation_membership_scope", problems[field])
		}
		return errs
	})
}

// parentOf returns the id in field of record id, or "" when the record is
// gone (PocketBase's relation validation has reported that already).
func parentOf(app core.App, collection, id, field string) string {
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		return ""
	}
	return r.GetString(field)
}
