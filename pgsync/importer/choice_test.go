package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

func selectField(t *testing.T, collection, field string) *core.SelectField {
	t.Helper()
	for _, s := range collections.All() {
		if s.Name() == collection {
			if f, ok := s.Collection.Fields.GetByName(field).(*core.SelectField); ok {
				return f
			}
		}
	}
	t.Fatalf("%s.%s is no select field", collection, field)
	return nil
}

func TestChoiceOf(t *testing.T) {
	cases := []struct {
		collection, field, stored, want string
	}{
		{collections.Slideshows, "mode", "slideshow", "slideshow"},
		{collections.Slideshows, "mode", "Slideshow", "slideshow"},
		{collections.Slideshows, "mode", "INTERACTIVE", "interactive"},
		{collections.Slideshows, "mode", "  interactive\t", "interactive"},
		{collections.Memberships, "role", "Super Admin", collections.RoleSuperAdmin},
		{collections.Memberships, "role", "organisation admin", collections.RoleOrgAdmin},
		{collections.Memberships, "role", "ORG_USER", collections.RoleOrgUser},
		{collections.Documents, "file_type", "webp", "WebP"},
		{collections.Documents, "file_type", "Pdf", "pdf"},
		{collections.Documents, "processing_status", "Completed", "COMPLETED"},
		{collections.CustomColors, "type", " Primary ", "primary"},
		{collections.OrganisationAPIAccess, "api_name", "SpeedAdmin", "speedadmin"},
		{collections.OrganisationAPIAccess, "api_name", "WinKAS", "winkas"},
		// Nothing matches: an error naming the choices.
		{collections.Slideshows, "mode", "Carousel", ""},
		{collections.Slideshows, "mode", "slide show", ""},
		{collections.Memberships, "role", "Admin", ""},
		{collections.CustomColors, "type", "Primary Colour", ""},
	}
	for _, c := range cases {
		got, err := choiceOf(c.collection, selectField(t, c.collection, c.field), c.stored)
		if c.want == "" {
			if err == nil || !strings.Contains(err.Error(), "none of the choices") {
				t.Errorf("%s.%s %q: got %q, %v; want an error", c.collection, c.field, c.stored, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s.%s %q: got %q, %v; want %q", c.collection, c.field, c.stored, got, err, c.want)
		}
	}
}

// Every label of every select field, in any case, maps to its value.
func TestChoiceOfEveryLabel(t *testing.T) {
	for collection, fields := range collections.ChoiceLabels {
		for field, labels := range fields {
			f := selectField(t, collection, field)
			for value, label := range labels {
				for _, stored := range []string{value, label, strings.ToUpper(label), strings.ToLower(label), " " + label + " "} {
					if got, err := choiceOf(collection, f, stored); err != nil || got != value {
						t.Errorf("%s.%s %q: got %q, %v; want %q", collection, field, stored, got, err, value)
					}
				}
			}
		}
	}
}

func TestAddMappingMerges(t *testing.T) {
	var ts TableSummary
	for _, m := range []Mapping{
		{"mode", "Slideshow", "slideshow", 1},
		{"mode", "Interactive", "interactive", 1},
		{"mode", "Slideshow", "slideshow", 2},
	} {
		ts.addMapping(m)
	}
	want := []Mapping{{"mode", "Slideshow", "slideshow", 3}, {"mode", "Interactive", "interactive", 1}}
	if len(ts.Mapped) != len(want) || ts.Mapped[0] != want[0] || ts.Mapped[1] != want[1] {
		t.Fatalf("mapped %+v, want %+v", ts.Mapped, want)
	}
}

// FuzzChoiceOf: any stored text maps to one of the field's values, which
// maps to itself, or is refused. Run: go test -fuzz FuzzChoiceOf ./pgsync/importer
func FuzzChoiceOf(f *testing.F) {
	for _, seed := range []string{"slideshow", "Slideshow", " INTERACTIVE ", "Carousel", "", "\u017fLIDESHOW"} {
		f.Add(seed)
	}
	field := &core.SelectField{Name: "mode", MaxSelect: 1, Values: []string{collections.ModeSlideshow, collections.ModeInteractive}}
	f.Fuzz(func(t *testing.T, stored string) {
		got, err := choiceOf(collections.Slideshows, field, stored)
		if err != nil {
			return
		}
		if again, err := choiceOf(collections.Slideshows, field, got); err != nil || again != got || !slices.Contains(field.Values, got) {
			t.Fatalf("%q -> %q -> %q, %v", stored, got, again, err)
		}
	})
}
