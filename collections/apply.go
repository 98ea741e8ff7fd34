package collections

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Apply creates every collection, or brings an existing one in line with its
// definition (fields added or replaced by name with their ids kept, fields no
// longer defined removed, indexes replaced, API rules replaced). It is
// idempotent, so a later schema migration can simply call it again after the
// definitions changed.
//
// The API rules are set in a second pass, once every collection and field
// exists: PocketBase validates a rule against the schema when the collection
// is saved, and rules refer to later collections (users to
// memberships_via_user) and to self-relations added after the first save.
func Apply(app core.App) error {
	all := All()
	for _, spec := range all {
		want := spec.Collection
		rules := rulesOf(want)
		Rules{}.set(want)
		existing, err := app.FindCollectionByNameOrId(want.Id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = create(app, want)
		case err != nil:
			return fmt.Errorf("find collection %s: %w", want.Name, err)
		default:
			merge(existing, want)
			err = app.Save(existing)
		}
		if err != nil {
			return fmt.Errorf("save collection %s: %w", want.Name, err)
		}
		rules.set(want)
	}
	for _, spec := range all {
		if err := setRules(app, spec.Name(), rulesOf(spec.Collection)); err != nil {
			return err
		}
	}
	return nil
}

// ClearRules returns every collection Apply created to superuser-only access
// (all API rules nil), as they were before the rules existed.
func ClearRules(app core.App) error {
	for _, name := range Names() {
		_, err := app.FindCollectionByNameOrId(Id(name))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err := setRules(app, name, Rules{}); err != nil {
			return err
		}
	}
	return nil
}

func rulesOf(c *core.Collection) Rules {
	return Rules{c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule}
}

// setRules saves the collection's API rules when they differ.
func setRules(app core.App, name string, r Rules) error {
	c, err := app.FindCollectionByNameOrId(Id(name))
	if err != nil {
		return fmt.Errorf("find collection %s: %w", name, err)
	}
	if r.equal(rulesOf(c)) {
		return nil
	}
	r.set(c)
	if err := app.Save(c); err != nil {
		return fmt.Errorf("set API rules of %s: %w", name, err)
	}
	return nil
}

// create saves a new collection. A relation to the collection itself (a
// template's parent) can only be added once the collection exists.
func create(app core.App, want *core.Collection) error {
	var selfRelations []core.Field
	for _, f := range want.Fields {
		if r, ok := f.(*core.RelationField); ok && r.CollectionId == want.Id {
			selfRelations = append(selfRelations, f)
		}
	}
	for _, f := range selfRelations {
		want.Fields.RemoveById(f.GetId())
	}
	if err := app.Save(want); err != nil {
		return err
	}
	if len(selfRelations) == 0 {
		return nil
	}
	want.Fields.Add(selfRelations...)
	return app.Save(want)
}

// merge copies the definition into an existing collection without touching
// what PocketBase owns (system fields, auth secrets and templates).
func merge(existing, want *core.Collection) {
	wanted := want.Fields.FieldNames()
	removeFields(existing, func(f core.Field) bool { return !slices.Contains(wanted, f.GetName()) })
	for _, f := range want.Fields {
		if old := existing.Fields.GetByName(f.GetName()); old != nil {
			f.SetId(old.GetId())
		}
		existing.Fields.Add(f)
	}
	existing.Indexes = want.Indexes
	// Apply passes want without rules here and sets them once every
	// collection is in place: an old rule may name a field just removed.
	rulesOf(want).set(existing)
	if existing.IsAuth() {
		existing.PasswordAuth.IdentityFields = want.PasswordAuth.IdentityFields
		existing.OAuth2.MappedFields = want.OAuth2.MappedFields
	}
}

// Drop deletes every collection Apply created, dependents first, and returns
// PocketBase's "users" collection to its stock shape.
func Drop(app core.App) error {
	// Rules refer to other collections (users to memberships): drop them
	// first so that no collection is saved with a rule naming a deleted one.
	if err := ClearRules(app); err != nil {
		return err
	}
	all := All()
	for i := len(all) - 1; i >= 0; i-- {
		name := all[i].Name()
		c, err := app.FindCollectionByNameOrId(Id(name))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("find collection %s: %w", name, err)
		}
		if name == Users {
			if err := app.Save(stockUsers(c)); err != nil {
				return fmt.Errorf("restore users collection: %w", err)
			}
			continue
		}
		if err := app.Delete(c); err != nil {
			return fmt.Errorf("delete collection %s: %w", name, err)
		}
	}
	return nil
}

// stockUsers turns the users collection back into what PocketBase's init
// migration creates: lowercase alphanumeric ids, a name and an avatar.
func stockUsers(c *core.Collection) *core.Collection {
	removeFields(c, func(core.Field) bool { return true })
	id := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
	id.Pattern, id.AutogeneratePattern, id.Min, id.Max = "^[a-z0-9]+$", "[a-z0-9]{15}", 15, 15
	c.Fields.GetByName(core.FieldNameEmail).(*core.EmailField).Required = true
	c.Fields.Add(
		&core.TextField{Name: "name", Max: 255},
		&core.FileField{Name: "avatar", MaxSelect: 1, MimeTypes: []string{"image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"}},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.Indexes = slices.DeleteFunc(c.Indexes, func(idx string) bool {
		return dbutils.ParseIndex(idx).IndexName == "idx_users_username"
	})
	owner := "id = @request.auth.id"
	c.ListRule, c.ViewRule, c.UpdateRule, c.DeleteRule = &owner, &owner, &owner, &owner
	c.CreateRule = types.Pointer("")
	c.PasswordAuth.IdentityFields = []string{core.FieldNameEmail}
	c.OAuth2.MappedFields.Name = "name"
	c.OAuth2.MappedFields.AvatarURL = "avatar"
	c.OAuth2.MappedFields.Username = ""
	return c
}

// removeFields drops the non-system fields for which drop returns true.
func removeFields(c *core.Collection, drop func(core.Field) bool) {
	c.Fields = slices.DeleteFunc(c.Fields, func(f core.Field) bool { return !f.GetSystem() && drop(f) })
}
