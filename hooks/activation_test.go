package hooks_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
)

// activated_at moves when an emergency is switched on, and stays while it
// is saved active or switched off.
func TestEmergencyActivatedAt(t *testing.T) {
	f := newFixture(t)
	f.make(t, "G", collections.DisplayWebsiteGroups, map[string]any{"name": "G", "branch": f.ids["B"], "default_slideshow": f.ids["SL"]})
	f.make(t, "E", collections.EmergencySlideshows, map[string]any{"slideshow": f.ids["SL"], "display_website_groups": []string{f.ids["G"]}})
	activated := func() types.DateTime {
		t.Helper()
		r, err := f.app.FindRecordById(collections.EmergencySlideshows, f.ids["E"])
		if err != nil {
			t.Fatal(err)
		}
		return r.GetDateTime("activated_at")
	}
	save := func(data map[string]any) {
		t.Helper()
		r, err := f.app.FindRecordById(collections.EmergencySlideshows, f.ids["E"])
		if err != nil {
			t.Fatal(err)
		}
		r.Load(data)
		if err := f.app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	if !activated().IsZero() {
		t.Fatal("created inactive, yet activated")
	}
	save(map[string]any{"is_active": true, "activated_at": ""})
	first := activated()
	if first.IsZero() {
		t.Fatal("switched on without activated_at")
	}
	save(map[string]any{"slideshow": f.ids["SL"]}) // saved while active
	save(map[string]any{"is_active": false})
	if activated() != first {
		t.Fatalf("activated_at moved from %v to %v without an activation", first, activated())
	}
	old := types.NowDateTime().AddDate(0, 0, -1)
	save(map[string]any{"activated_at": old}) // as if switched on yesterday
	save(map[string]any{"is_active": true})
	if !activated().Time().After(old.Time()) {
		t.Fatal("activated_at kept on a new activation")
	}
}
