package audit

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// derive names what a change of r did (none: not audited) and the details
// kept with it.
func derive(r *core.Record, o op) ([]string, map[string]any) {
	old := r.Original()
	details := map[string]any{}
	if name := r.GetString("name"); name != "" {
		details["name"] = name
	}
	switch r.Collection().Name {
	case collections.EmergencySlideshows:
		details["is_active"] = r.GetBool("is_active")
		if exp := r.GetDateTime("expires_at"); !exp.IsZero() {
			details["expires_at"] = exp.String()
		}
		switch {
		case o == opDelete:
			return []string{ActionEmergencyDelete}, details
		case o == opCreate && r.GetBool("is_active"):
			return []string{ActionEmergencyActivate}, details
		case o == opCreate:
			return []string{ActionEmergencyCreate}, details
		}
		details["changed"] = changed(r)
		switch was, is := old.GetBool("is_active"), r.GetBool("is_active"); {
		case !was && is:
			return []string{ActionEmergencyActivate}, details
		case was && !is:
			return []string{ActionEmergencyDeactivate}, details
		}
		return []string{ActionEmergencyEdit}, details
	case collections.BranchAPIKeys:
		if o != opUpdate {
			return nil, nil // made and deleted with their branch
		}
		details["branch"] = r.GetString("branch")
		var actions []string
		if old.GetString("key") != r.GetString("key") {
			actions = append(actions, ActionAPIKeyRotate)
		}
		switch was, is := old.GetBool("is_active"), r.GetBool("is_active"); {
		case was && !is:
			actions = append(actions, ActionAPIKeyDeactivate)
		case !was && is:
			actions = append(actions, ActionAPIKeyActivate)
		}
		return actions, details
	case collections.DisplayWebsites:
		if o == opDelete {
			details["branch"] = r.GetString("branch")
			return []string{ActionScreenDelete}, details
		}
	case collections.Memberships:
		for _, f := range []string{"user", "role", "suborganisation", "branch"} {
			details[f] = r.GetString(f)
		}
		switch o {
		case opCreate:
			return []string{ActionMembershipCreate}, details
		case opDelete:
			return []string{ActionMembershipDelete}, details
		}
		details["changed"] = changed(r)
		if old.GetString("role") != r.GetString("role") {
			details["previous_role"] = old.GetString("role")
		}
		return []string{ActionMembershipUpdate}, details
	case collections.Organisations, collections.Suborganisations, collections.Branches:
		if o == opDelete {
			return []string{map[string]string{
				collections.Organisations:    ActionOrganisationDelete,
				collections.Suborganisations: ActionSuborgDelete,
				collections.Branches:         ActionBranchDelete,
			}[r.Collection().Name]}, details
		}
	}
	return nil, nil
}

// changed lists the fields an update changed.
func changed(r *core.Record) []string {
	old := r.Original()
	out := []string{}
	for _, f := range r.Collection().Fields {
		if f.Type() == core.FieldTypeAutodate {
			continue
		}
		if fmt.Sprint(old.Get(f.GetName())) != fmt.Sprint(r.Get(f.GetName())) {
			out = append(out, f.GetName())
		}
	}
	return out
}
