package hooks_test

import (
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// The screen and schedule rules hold on PocketBase's own API too.
func TestScreenRules(t *testing.T) {
	f := newFixture(t)
	f.make(t, "PORTRAIT", collections.Slideshows, map[string]any{"name": "Portrait", "preview_width": 1080, "preview_height": 1920})
	f.make(t, "Y", collections.Branches, map[string]any{"name": "Y", "suborganisation": f.ids["X"]})
	f.make(t, "FOREIGN", collections.Slideshows, map[string]any{"name": "Foreign", "branch": f.ids["Y"]})
	f.make(t, "G", collections.DisplayWebsiteGroups, map[string]any{"name": "G", "branch": f.ids["B"], "default_slideshow": f.ids["SL"]})
	f.make(t, "GC", collections.DisplayWebsiteGroups, map[string]any{"name": "GC", "branch": f.ids["C"], "default_playlist": f.ids["PL"]})
	f.make(t, "D", collections.DisplayWebsites, map[string]any{"name": "D", "branch": f.ids["B"], "uid": "dev-1"})
	runInvariants(t, f, []invariant{
		{name: "group with both defaults", collection: collections.DisplayWebsiteGroups,
			body:     map[string]any{"name": "g", "branch": "$B", "default_slideshow": "$SL", "default_playlist": "$PL"},
			errField: "default_slideshow", errMessage: "Exactly one of default_slideshow or default_playlist must be set."},
		{name: "group default of another ratio", collection: collections.DisplayWebsiteGroups,
			body:     map[string]any{"name": "g", "branch": "$B", "default_slideshow": "$PORTRAIT"},
			errField: "default_slideshow", errMessage: "Default slideshow aspect ratio (9:16) does not match group aspect ratio (16:9)."},
		{name: "group default of another organisation", collection: collections.DisplayWebsiteGroups,
			body:     map[string]any{"name": "g", "branch": "$B", "default_slideshow": "$FOREIGN"},
			errField: "default_slideshow", errMessage: "must belong to the same organisation"},
		{name: "screen in a group of another branch", collection: collections.DisplayWebsites,
			body:     map[string]any{"name": "s", "branch": "$B", "display_website_group": "$GC"},
			errField: "display_website_group", errMessage: "The display website group must belong to the display's branch."},
		{name: "screen of another ratio", collection: collections.DisplayWebsites,
			body:     map[string]any{"name": "s", "branch": "$B", "display_website_group": "$G", "aspect_ratio": "4:3"},
			errField: "aspect_ratio", errMessage: "Display aspect ratio (4:3) does not match group aspect ratio (16:9)."},
		{name: "uid taken in the organisation", collection: collections.DisplayWebsites,
			body:     map[string]any{"name": "s", "branch": "$C", "uid": "dev-1"},
			errField: "uid", errMessage: "UID 'dev-1' must be unique within the same organisation."},
		{name: "the same uid in another organisation", collection: collections.DisplayWebsites,
			body: map[string]any{"name": "s", "branch": "$Y", "uid": "dev-1"}, want: map[string]any{"uid": "dev-1"}},
		{name: "one-off", collection: collections.ScheduledContents,
			body: map[string]any{"display_website_group": "$G", "slideshow": "$SL", "start_time": "2026-04-01 08:00:00Z", "end_time": "2026-04-01 10:00:00Z"},
			want: map[string]any{"combine_with_default": false}},
		{name: "one-off overlapping it", collection: collections.ScheduledContents,
			body:     map[string]any{"display_website_group": "$G", "playlist": "$PL", "start_time": "2026-04-01 09:00:00Z", "end_time": "2026-04-01 11:00:00Z"},
			errField: "start_time", errMessage: "Cannot schedule an override as other content is already present: 'SL'."},
		{name: "one-off ending before it starts", collection: collections.ScheduledContents,
			body:     map[string]any{"display_website_group": "$G", "playlist": "$PL", "start_time": "2026-05-01 09:00:00Z", "end_time": "2026-05-01 08:00:00Z"},
			errField: "start_time", errMessage: "Start time must be before end time."},
		{name: "one-off without content", collection: collections.ScheduledContents,
			body:     map[string]any{"display_website_group": "$G", "start_time": "2026-05-01 09:00:00Z", "end_time": "2026-05-01 10:00:00Z"},
			errField: "slideshow", errMessage: "Exactly one of slideshow or playlist must be set."},
		{name: "one-off of another organisation's slideshow", collection: collections.ScheduledContents,
			body:     map[string]any{"display_website_group": "$G", "slideshow": "$FOREIGN", "start_time": "2026-05-01 09:00:00Z", "end_time": "2026-05-01 10:00:00Z"},
			errField: "slideshow", errMessage: "must belong to the same organisation"},
		{name: "recurring over the one-off (Wednesday 10-12 local)", collection: collections.RecurringScheduledContents,
			body: map[string]any{"display_website_group": "$G", "slideshow": "$SL", "weekday": 2, "start_time": "10:30", "end_time": "11:00",
				"active_from": "2026-03-30", "active_until": "2026-04-30"},
			errField: "start_time", errMessage: "Cannot schedule an override as other content is present: 'SL' on 2026-04-01."},
		{name: "recurring with times the wrong way round", collection: collections.RecurringScheduledContents,
			body: map[string]any{"display_website_group": "$G", "slideshow": "$SL", "weekday": 3, "start_time": "11:00", "end_time": "10:00",
				"active_from": "2026-03-30"},
			errField: "start_time", errMessage: "Start time must be before end time."},
		{name: "recurring with a malformed time", collection: collections.RecurringScheduledContents,
			body: map[string]any{"display_website_group": "$G", "slideshow": "$SL", "weekday": 3, "start_time": "7pm", "end_time": "10:00",
				"active_from": "2026-03-30"},
			errField: "start_time", errMessage: ""},
		{name: "emergency without groups", collection: collections.EmergencySlideshows,
			body: map[string]any{"slideshow": "$SL"}, errField: "display_website_groups", errMessage: "This list may not be empty."},
		{name: "emergency over two branches", collection: collections.EmergencySlideshows,
			body:     map[string]any{"slideshow": "$SL", "display_website_groups": []any{f.ids["G"], f.ids["GC"]}},
			errField: "display_website_groups", errMessage: "All display website groups must belong to the same branch."},
		{name: "emergency of another organisation's slideshow", collection: collections.EmergencySlideshows,
			body:     map[string]any{"slideshow": "$FOREIGN", "display_website_groups": []any{f.ids["G"]}},
			errField: "slideshow", errMessage: "must belong to the same organisation"},
	})
}

// Deleting a default leaves its group without one (upstream's SET_NULL),
// and deleting a group detaches its screens and takes its emergencies.
func TestScreenDeletes(t *testing.T) {
	f := newFixture(t)
	f.make(t, "G", collections.DisplayWebsiteGroups, map[string]any{"name": "G", "branch": f.ids["B"], "default_slideshow": f.ids["SL"]})
	f.make(t, "D", collections.DisplayWebsites, map[string]any{"name": "D", "branch": f.ids["B"], "display_website_group": f.ids["G"]})
	f.make(t, "E", collections.EmergencySlideshows, map[string]any{"slideshow": f.ids["SL"], "display_website_groups": []any{f.ids["G"]}})
	f.make(t, "SL2", collections.Slideshows, map[string]any{"name": "SL2", "branch": f.ids["B"]})
	f.make(t, "G2", collections.DisplayWebsiteGroups, map[string]any{"name": "G2", "branch": f.ids["B"], "default_slideshow": f.ids["SL2"]})

	del := func(collection, id string) {
		t.Helper()
		r, err := f.app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.app.Delete(r); err != nil {
			t.Fatalf("delete %s: %v", collection, err)
		}
	}
	del(collections.Slideshows, f.ids["SL2"])
	if g, _ := f.app.FindRecordById(collections.DisplayWebsiteGroups, f.ids["G2"]); g == nil || g.GetString("default_slideshow") != "" {
		t.Fatalf("group G2 after its default went: %v", g)
	}
	del(collections.DisplayWebsiteGroups, f.ids["G"])
	d, err := f.app.FindRecordById(collections.DisplayWebsites, f.ids["D"])
	if err != nil || d.GetString("display_website_group") != "" {
		t.Fatalf("screen after its group went: %v %v", d, err)
	}
	if _, err := f.app.FindRecordById(collections.EmergencySlideshows, f.ids["E"]); err == nil {
		t.Fatal("an emergency without groups was kept")
	}
}

// Colours and fonts without a position get the next one, on PocketBase's API too.
func TestAssetPositions(t *testing.T) {
	f := newFixture(t)
	color := func(name string, position any) map[string]any {
		b := map[string]any{"organisation": "$O", "name": name, "hex_value": "#000000", "type": "primary"}
		if position != nil {
			b["position"] = position
		}
		return b
	}
	runInvariants(t, f, []invariant{
		{name: "first colour", collection: collections.CustomColors, body: color("a", nil), want: map[string]any{"position": 1.0}},
		{name: "explicit position", collection: collections.CustomColors, body: color("b", 7), want: map[string]any{"position": 7.0}},
		{name: "0 asks for the next", collection: collections.CustomColors, body: color("c", 0), want: map[string]any{"position": 8.0}},
		{name: "another organisation counts alone", collection: collections.CustomColors,
			body: map[string]any{"organisation": "$P", "name": "a", "hex_value": "#fff", "type": "text"}, want: map[string]any{"position": 1.0}},
		{name: "first font", collection: collections.CustomFonts,
			body: map[string]any{"organisation": "$O", "name": "Inter", "font_url": "https://fonts.example.dk/inter.woff2"}, want: map[string]any{"position": 1.0}},
	})
}
