package importer_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync/importer"
)

// labelFixture holds select values as Django may have stored them: labels,
// other cases, stray spaces, and one value that is no choice at all.
const labelFixture = `[
 {"model": "app.organisation", "pk": 1, "fields": {"name": "Aarhus"}},
 {"model": "app.slideshow", "pk": 1, "fields": {"name": "Lobby", "mode": "Slideshow"}},
 {"model": "app.slideshow", "pk": 2, "fields": {"name": "Kiosk", "mode": " Interactive "}},
 {"model": "app.slideshow", "pk": 3, "fields": {"name": "Odd", "mode": "Carousel"}},
 {"model": "app.slideshow", "pk": 4, "fields": {"name": "Plain", "mode": "slideshow"}},
 {"model": "app.slideshow", "pk": 5, "fields": {"name": "Foyer", "mode": "Slideshow"}},
 {"model": "app.customcolor", "pk": 1, "fields": {"organisation": 1, "name": "Gold", "hexValue": "#AE9361", "type": "Primary"}},
 {"model": "app.organisationapiaccess", "pk": 1, "fields": {"organisation": 1, "api_name": "WinKAS", "is_active": true}}
]`

func TestImportMapsChoiceLabels(t *testing.T) {
	app := testapp.New(t)
	ctx := context.Background()
	run := func(dryRun bool) importer.Summary {
		t.Helper()
		fx, err := importer.ParseFixture(strings.NewReader(labelFixture))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := importer.Run(ctx, app, fx, importer.Options{DryRun: dryRun})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	wantMapped := map[string][]importer.Mapping{
		"app_slideshow":             {{Column: "mode", From: "Slideshow", To: "slideshow", Rows: 2}, {Column: "mode", From: " Interactive ", To: "interactive", Rows: 1}},
		"app_customcolor":           {{Column: "type", From: "Primary", To: "primary", Rows: 1}},
		"app_organisationapiaccess": {{Column: "api_name", From: "WinKAS", To: "winkas", Rows: 1}},
	}
	wantLines := []string{
		`mapped app_slideshow.mode: "Slideshow" -> "slideshow" (2 rows)`,
		`mapped app_slideshow.mode: " Interactive " -> "interactive" (1 row)`,
		`mapped app_customcolor.type: "Primary" -> "primary" (1 row)`,
		`mapped app_organisationapiaccess.api_name: "WinKAS" -> "winkas" (1 row)`,
		`skipped app_slideshow: id 3: mode: "Carousel" is none of the choices slideshow, interactive`,
	}
	// A dry run, the import, then the same import again: each reports the
	// same mappings and the same skipped row; only the first write changes.
	for i, step := range []struct {
		dryRun           bool
		created, changes int
	}{{true, 4, 7}, {false, 4, 7}, {false, 0, 0}} {
		sum := run(step.dryRun)
		for table, want := range wantMapped {
			if got := sum.Table(table).Mapped; !reflect.DeepEqual(got, want) {
				t.Errorf("step %d %s: mapped %+v, want %+v", i, table, got, want)
			}
		}
		show := sum.Table("app_slideshow")
		if show.Created != step.created || show.Skipped != 1 || sum.Changes() != step.changes {
			t.Errorf("step %d: slideshows %+v, %d changes; want %d created, 1 skipped, %d changes", i, show, sum.Changes(), step.created, step.changes)
		}
		out := render(t, sum)
		for _, line := range wantLines {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("step %d: want %q in:\n%s", i, line, out)
			}
		}
	}

	checks := []struct {
		collection, id, field, want string
	}{
		{collections.Slideshows, "1", "mode", collections.ModeSlideshow},
		{collections.Slideshows, "2", "mode", collections.ModeInteractive},
		{collections.Slideshows, "4", "mode", collections.ModeSlideshow},
		{collections.Slideshows, "5", "mode", collections.ModeSlideshow},
		{collections.CustomColors, "1", "type", "primary"},
		{collections.OrganisationAPIAccess, "1", "api_name", "winkas"},
	}
	for _, c := range checks {
		r, err := app.FindRecordById(c.collection, c.id)
		if err != nil {
			t.Errorf("%s %s: %v", c.collection, c.id, err)
			continue
		}
		if got := r.GetString(c.field); got != c.want {
			t.Errorf("%s %s.%s = %q, want %q", c.collection, c.id, c.field, got, c.want)
		}
	}
	if _, err := app.FindRecordById(collections.Slideshows, "3"); err == nil {
		t.Error("slideshow 3 (mode Carousel) was imported")
	}
}
