// Package provision creates the starter data upstream's management commands
// create, idempotently, so operators can run them again without harm.
package provision

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/tools/slug"
)

// Step is one thing CreateOrganisation made sure exists.
type Step struct {
	What    string // e.g. `branch "Demo Branch"`
	Created bool   // false when it already existed
}

func (s Step) String() string {
	if s.Created {
		return "created " + s.What
	}
	return "exists  " + s.What
}

// CreateOrganisation does what upstream's `create_organisation NAME URI_NAME`
// does, in one transaction: the organisation (renamed when it exists with
// another name), suborganisation "Global" with branch "Global", "Demo Suborg"
// with "Demo Branch", and the users <uri>_suborg_admin (suborg_admin of Demo
// Suborg) and <uri>_employee (employee of Demo Branch), whose password is
// their username. Running it again changes nothing.
func CreateOrganisation(app core.App, name, uriName string) ([]Step, error) {
	var steps []Step
	err := app.RunInTransaction(func(tx core.App) error {
		steps = nil
		p := provisioner{app: tx, steps: &steps}
		org, err := p.organisation(name, uriName)
		if err != nil {
			return err
		}
		uri := org.GetString("uri_name")
		globalSuborg, err := p.child(collections.Suborganisations, "organisation", org, "Global")
		if err != nil {
			return err
		}
		if _, err := p.child(collections.Branches, "suborganisation", globalSuborg, "Global"); err != nil {
			return err
		}
		demoSuborg, err := p.child(collections.Suborganisations, "organisation", org, "Demo Suborg")
		if err != nil {
			return err
		}
		demoBranch, err := p.child(collections.Branches, "suborganisation", demoSuborg, "Demo Branch")
		if err != nil {
			return err
		}
		suborgAdmin, err := p.user(uri + "_suborg_admin")
		if err != nil {
			return err
		}
		employee, err := p.user(uri + "_employee")
		if err != nil {
			return err
		}
		if err := p.membership(suborgAdmin, collections.RoleSuborgAdmin, org, demoSuborg, nil); err != nil {
			return err
		}
		return p.membership(employee, collections.RoleEmployee, org, demoSuborg, demoBranch)
	})
	return steps, err
}

type provisioner struct {
	app   core.App
	steps *[]Step
}

func (p provisioner) record(what string, created bool) {
	*p.steps = append(*p.steps, Step{What: what, Created: created})
}

func (p provisioner) organisation(name, uriName string) (*core.Record, error) {
	// The stored uri_name is always slugified, so look it up that way.
	org, err := p.app.FindFirstRecordByData(collections.Organisations, "uri_name", slug.Django(uriName))
	if errors.Is(err, sql.ErrNoRows) {
		org, err = collections.NewRecord(p.app, collections.Organisations)
		if err != nil {
			return nil, err
		}
		org.Set("name", name)
		org.Set("uri_name", uriName)
		if err := p.app.Save(org); err != nil {
			return nil, fmt.Errorf("organisation %q: %w", name, err)
		}
		p.record(fmt.Sprintf("organisation %q (%s)", name, org.GetString("uri_name")), true)
		return org, nil
	}
	if err != nil {
		return nil, err
	}
	if org.GetString("name") != name {
		old := org.GetString("name")
		org.Set("name", name)
		if err := p.app.Save(org); err != nil {
			return nil, fmt.Errorf("rename organisation %q: %w", old, err)
		}
		p.record(fmt.Sprintf("organisation %q renamed from %q", name, old), false)
		return org, nil
	}
	p.record(fmt.Sprintf("organisation %q (%s)", name, uriName), false)
	return org, nil
}

var singular = map[string]string{
	collections.Suborganisations: "suborganisation",
	collections.Branches:         "branch",
}

// child gets or creates the record called name under parent.
func (p provisioner) child(collection, parentField string, parent *core.Record, name string) (*core.Record, error) {
	what := fmt.Sprintf("%s %q", singular[collection], name)
	existing, err := p.app.FindFirstRecordByFilter(collection, parentField+" = {:parent} && name = {:name}",
		dbx.Params{"parent": parent.Id, "name": name})
	if err == nil {
		p.record(what, false)
		return existing, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	r, err := collections.NewRecord(p.app, collection)
	if err != nil {
		return nil, err
	}
	r.Set(parentField, parent.Id)
	r.Set("name", name)
	if err := p.app.Save(r); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	p.record(what, true)
	return r, nil
}

// user gets or creates a local user whose password is its username; an
// existing user keeps its password.
func (p provisioner) user(username string) (*core.Record, error) {
	what := fmt.Sprintf("user %q", username)
	existing, err := p.app.FindFirstRecordByData(collections.Users, "username", username)
	if err == nil {
		p.record(what, false)
		return existing, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	u, err := collections.NewRecord(p.app, collections.Users)
	if err != nil {
		return nil, err
	}
	u.Set("username", username)
	u.SetPassword(username)
	if err := p.app.Save(u); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	p.record(what+" (password = username)", true)
	return u, nil
}

func (p provisioner) membership(user *core.Record, role string, org, suborg, branch *core.Record) error {
	ids := dbx.Params{"user": user.Id, "role": role, "org": org.Id, "suborg": idOrEmpty(suborg), "branch": idOrEmpty(branch)}
	what := fmt.Sprintf("membership %s %s", user.GetString("username"), role)
	_, err := p.app.FindFirstRecordByFilter(collections.Memberships,
		"user = {:user} && role = {:role} && organisation = {:org} && suborganisation = {:suborg} && branch = {:branch}", ids)
	if err == nil {
		p.record(what, false)
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	m, err := collections.NewRecord(p.app, collections.Memberships)
	if err != nil {
		return err
	}
	m.Load(map[string]any{"user": user.Id, "role": role, "organisation": org.Id, "suborganisation": idOrEmpty(suborg), "branch": idOrEmpty(branch)})
	if err := p.app.Save(m); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	p.record(what, true)
	return nil
}

func idOrEmpty(r *core.Record) string {
	if r == nil {
		return ""
	}
	return r.Id
}
