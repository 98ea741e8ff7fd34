package collections_test

import (
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// The names the frontend, the upstream schema mirror and the dashboard rely on.
var wantNames = []string{
	"organisations", "suborganisations", "branches", "users", "memberships", "branch_api_keys",
	"keycloak_sessions", "categories", "tags", "slideshows", "playlists", "playlist_items", "wayfindings",
	"slide_templates", "global_slide_templates", "documents", "document_categories", "custom_colors",
	"custom_fonts", "text_formatting_settings", "registered_slide_types", "organisation_api_access",
	"branch_url_items", "display_website_groups", "display_websites", "scheduled_contents",
	"recurring_scheduled_contents", "emergency_slideshows", "audit_events",
}

func TestEveryCollectionIsMigrated(t *testing.T) {
	app := testapp.New(t)
	if got := collections.Names(); !sameSet(got, wantNames) {
		t.Fatalf("defined collections = %v, want %v", got, wantNames)
	}
	for _, spec := range collections.All() {
		c, err := app.FindCollectionByNameOrId(spec.Name())
		if err != nil {
			t.Errorf("%s: not in the database: %v", spec.Name(), err)
			continue
		}
		for _, f := range spec.Collection.Fields {
			got := c.Fields.GetByName(f.GetName())
			if got == nil || got.Type() != f.Type() {
				t.Errorf("%s.%s: missing or of another type", spec.Name(), f.GetName())
			}
		}
		id := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
		if id.Pattern != collections.IdPattern || id.AutogeneratePattern != collections.IdAutogeneratePattern {
			t.Errorf("%s: id field is not numeric: %q / %q", spec.Name(), id.Pattern, id.AutogeneratePattern)
		}
		for field := range spec.Defaults {
			if c.Fields.GetByName(field) == nil {
				t.Errorf("%s: default for unknown field %s", spec.Name(), field)
			}
		}
	}
}

// Relations that upstream declares CASCADE delete with their target; the
// SET_NULL ones are cleared instead.
func TestDeleteBehaviour(t *testing.T) {
	app := testapp.New(t)
	cases := []struct {
		collection, field string
		cascade, required bool
	}{
		{"suborganisations", "organisation", true, true},
		{"branches", "suborganisation", true, true},
		{"memberships", "user", true, true},
		{"memberships", "branch", true, false},
		{"slideshows", "category", false, false},
		{"slideshows", "branch", true, false},
		{"slideshows", "created_by", false, false},
		{"slide_templates", "parent_template", false, false},
		{"display_website_groups", "default_slideshow", false, false},
		// Deleting a group detaches its screens (upstream deleted them).
		{"display_websites", "display_website_group", false, false},
		{"emergency_slideshows", "display_website_groups", true, false},
		{"scheduled_contents", "display_website_group", true, true},
		{"emergency_slideshows", "slideshow", true, true},
		{"documents", "category", false, false},
	}
	for _, c := range cases {
		col, err := app.FindCollectionByNameOrId(c.collection)
		if err != nil {
			t.Fatal(err)
		}
		rel, ok := col.Fields.GetByName(c.field).(*core.RelationField)
		if !ok {
			t.Errorf("%s.%s is not a relation", c.collection, c.field)
			continue
		}
		if rel.CascadeDelete != c.cascade || rel.Required != c.required {
			t.Errorf("%s.%s: cascade=%v required=%v, want %v %v", c.collection, c.field, rel.CascadeDelete, rel.Required, c.cascade, c.required)
		}
	}
}

func TestNumericIds(t *testing.T) {
	app := testapp.New(t)
	h := testapp.Handler(t, app)
	token := testapp.SuperuserToken(t, app)
	create := func(body map[string]any) testapp.Response {
		return testapp.Do(t, h, "POST", "/api/collections/organisations/records", body, token)
	}

	generated := create(map[string]any{"name": "Generated"})
	if generated.Status != 200 {
		t.Fatalf("create: %d %s", generated.Status, generated.Body)
	}
	id := generated.JSON(t)["id"].(string)
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n >= 1<<53 || !regexp.MustCompile(`^[1-9][0-9]{14}$`).MatchString(id) {
		t.Errorf("generated id %q is not a 15-digit number below 2^53", id)
	}

	cases := []struct {
		id     string
		status int
	}{
		{"15", 200},
		{"9007199254740991", 200}, // 2^53-1
		{"9007199254740992", 400}, // 2^53 is not exact in every JSON reader
		{"015", 400},
		{"abc", 400},
		{"-1", 400},
		{"15", 400}, // taken
	}
	for i, c := range cases {
		res := create(map[string]any{"id": c.id, "name": "Org " + strconv.Itoa(i)})
		if res.Status != c.status {
			t.Errorf("id %q: status %d, want %d: %s", c.id, res.Status, c.status, res.Body)
			continue
		}
		body := res.JSON(t)
		if c.status == 200 && body["id"] != c.id {
			t.Errorf("id %q: got %v", c.id, body["id"])
		}
		if c.status == 400 {
			if _, ok := body["data"].(map[string]any)["id"]; !ok {
				t.Errorf("id %q: no error on the id field: %s", c.id, res.Body)
			}
		}
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	app := testapp.New(t)
	before := fieldIds(t, app)
	if err := collections.Apply(app); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	after := fieldIds(t, app)
	for name, ids := range before {
		if !slices.Equal(ids, after[name]) {
			t.Errorf("%s: field ids changed: %v -> %v", name, ids, after[name])
		}
	}
}

// The schema migration goes down all the way (users back to PocketBase's
// stock shape, every other collection gone) and up again.
func TestMigrateDownAndUp(t *testing.T) {
	app := testapp.New(t)
	runner := core.NewMigrationsRunner(app, core.AppMigrations)
	reverted, err := runner.Down(len(core.AppMigrations.Items()))
	if err != nil || len(reverted) == 0 {
		t.Fatalf("down: %v %v", reverted, err)
	}
	for _, name := range wantNames {
		c, err := app.FindCollectionByNameOrId(name)
		if name == "users" {
			if err != nil || c.Fields.GetByName("username") != nil || c.Fields.GetByName("name") == nil {
				t.Errorf("users is not back to stock after down: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s still exists after down", name)
		}
	}
	if applied, err := runner.Up(); err != nil || len(applied) != len(reverted) {
		t.Fatalf("up: %v %v", applied, err)
	}
	for _, name := range wantNames {
		if _, err := app.FindCollectionByNameOrId(name); err != nil {
			t.Errorf("%s missing after up again", name)
		}
	}
}

func fieldIds(t *testing.T, app core.App) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, name := range wantNames {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range c.Fields {
			out[name] = append(out[name], f.GetName()+"="+f.GetId())
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
