package hooks_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// fixture is two organisations: O with suborgs S (branch B) and T (branch
// C), and P with suborg X; plus a user and a 16:9 playlist and slideshow in B.
type fixture struct {
	app   core.App
	h     http.Handler
	token string
	ids   map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	app := testapp.New(t)
	f := &fixture{app: app, h: testapp.Handler(t, app), token: testapp.SuperuserToken(t, app), ids: map[string]string{}}
	f.make(t, "O", collections.Organisations, map[string]any{"name": "Org O"})
	f.make(t, "P", collections.Organisations, map[string]any{"name": "Org P"})
	f.make(t, "S", collections.Suborganisations, map[string]any{"name": "S", "organisation": f.ids["O"]})
	f.make(t, "T", collections.Suborganisations, map[string]any{"name": "T", "organisation": f.ids["O"]})
	f.make(t, "X", collections.Suborganisations, map[string]any{"name": "X", "organisation": f.ids["P"]})
	f.make(t, "B", collections.Branches, map[string]any{"name": "B", "suborganisation": f.ids["S"]})
	f.make(t, "C", collections.Branches, map[string]any{"name": "C", "suborganisation": f.ids["T"]})
	f.make(t, "U", collections.Users, map[string]any{"username": "u", "password": "password1", "passwordConfirm": "password1"})
	f.make(t, "PL", collections.Playlists, map[string]any{"name": "PL", "branch": f.ids["B"]})
	f.make(t, "SL", collections.Slideshows, map[string]any{"name": "SL", "branch": f.ids["B"]})
	return f
}

// make creates a record through PocketBase's REST API and remembers its id.
func (f *fixture) make(t *testing.T, key, collection string, body map[string]any) map[string]any {
	t.Helper()
	res := f.post(t, collection, body)
	if res.Status != 200 {
		t.Fatalf("create %s %s: %d %s", collection, key, res.Status, res.Body)
	}
	rec := res.JSON(t)
	f.ids[key] = rec["id"].(string)
	return rec
}

func (f *fixture) post(t *testing.T, collection string, body map[string]any) testapp.Response {
	return testapp.Do(t, f.h, "POST", "/api/collections/"+collection+"/records", body, f.token)
}

func (f *fixture) patch(t *testing.T, collection, id string, body map[string]any) testapp.Response {
	return testapp.Do(t, f.h, "PATCH", "/api/collections/"+collection+"/records/"+id, body, f.token)
}

// resolve replaces "$KEY" values by the fixture's ids.
func (f *fixture) resolve(body map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "$") {
			v = f.ids[s[1:]]
		}
		out[k] = v
	}
	return out
}

// invariant is one table row: a create through the REST API and either the
// fields it must come back with, or the field and message of its 400.
type invariant struct {
	name       string
	collection string
	body       map[string]any
	want       map[string]any // on success: expected values
	errField   string         // on rejection: the field the 400 names
	errMessage string         // on rejection: a substring of its message
}

func runInvariants(t *testing.T, f *fixture, rows []invariant) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before, _ := f.app.CountRecords(row.collection)
			res := f.post(t, row.collection, f.resolve(row.body))
			if row.errField == "" {
				if res.Status != 200 {
					t.Fatalf("status %d, want 200: %s", res.Status, res.Body)
				}
				got := res.JSON(t)
				for k, v := range row.want {
					if got[k] != v {
						t.Errorf("%s = %#v, want %#v", k, got[k], v)
					}
				}
				return
			}
			expectFieldError(t, res, row.errField, row.errMessage)
			if after, _ := f.app.CountRecords(row.collection); after != before {
				t.Errorf("a rejected create changed the record count: %d -> %d", before, after)
			}
		})
	}
}

func expectFieldError(t *testing.T, res testapp.Response, field, message string) {
	t.Helper()
	if res.Status != 400 {
		t.Fatalf("status %d, want 400: %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	data, _ := res.JSON(t)["data"].(map[string]any)
	fieldErr, _ := data[field].(map[string]any)
	if msg, _ := fieldErr["message"].(string); !strings.Contains(msg, message) {
		t.Errorf("error on %q = %v, want message containing %q (body %s)", field, fieldErr, message, res.Body)
	}
}

func TestOrganisationURIName(t *testing.T) {
	f := newFixture(t)
	runInvariants(t, f, []invariant{
		{name: "slug of the name", collection: "organisations", body: map[string]any{"name": "Brøndby Kommune"}, want: map[string]any{"uri_name": "brndby-kommune"}},
		{name: "taken slug gets -2", collection: "organisations", body: map[string]any{"name": "Brøndby-Kommune"}, want: map[string]any{"uri_name": "brndby-kommune-2"}},
		{name: "and then -3", collection: "organisations", body: map[string]any{"name": "BRØNDBY kommune"}, want: map[string]any{"uri_name": "brndby-kommune-3"}},
		{name: "given uri_name is slugified", collection: "organisations", body: map[string]any{"name": "Admin", "uri_name": "Admin Realm_"}, want: map[string]any{"uri_name": "admin-realm"}},
		{name: "underscores kept", collection: "organisations", body: map[string]any{"name": "KK", "uri_name": "admin_realm"}, want: map[string]any{"uri_name": "admin_realm"}},
		{name: "duplicate name", collection: "organisations", body: map[string]any{"name": "Brøndby Kommune"}, errField: "name", errMessage: "already exists"},
		{name: "missing name", collection: "organisations", body: map[string]any{}, errField: "name", errMessage: "blank"},
	})

	res := f.post(t, "organisations", map[string]any{"name": "ØÆ"})
	if uri, _ := res.JSON(t)["uri_name"].(string); !regexp.MustCompile(`^organisation-[0-9a-f]{8}$`).MatchString(uri) {
		t.Errorf("empty slug gave %q", uri)
	}
	renamed := f.patch(t, "organisations", f.ids["O"], map[string]any{"uri_name": "brndby-kommune"})
	if uri := renamed.JSON(t)["uri_name"]; uri != "brndby-kommune-4" {
		t.Errorf("update to a taken slug gave %v", uri)
	}
}

func TestMembershipRules(t *testing.T) {
	f := newFixture(t)
	m := func(role, org, sub, branch string) map[string]any {
		return map[string]any{"user": "$U", "role": role, "organisation": org, "suborganisation": sub, "branch": branch}
	}
	runInvariants(t, f, []invariant{
		{name: "org admin", collection: "memberships", body: m("org_admin", "$O", "", ""), want: map[string]any{"role": "org_admin"}},
		{name: "global super admin", collection: "memberships", body: m("super_admin", "", "", "")},
		{name: "employee of a branch", collection: "memberships", body: m("employee", "$O", "$S", "$B")},
		{name: "suborg admin", collection: "memberships", body: m("suborg_admin", "$O", "$T", "")},
		{name: "org user of a branch", collection: "memberships", body: m("org_user", "$O", "$T", "$C")},
		{name: "duplicate", collection: "memberships", body: m("org_admin", "$O", "", ""), errField: "branch", errMessage: "must make a unique set"},
		{name: "org admin without org", collection: "memberships", body: m("org_admin", "", "", ""), errField: "organisation", errMessage: "requires an organisation"},
		{name: "org admin with suborg", collection: "memberships", body: m("org_admin", "$O", "$S", ""), errField: "suborganisation", errMessage: "cannot be limited"},
		{name: "employee without branch", collection: "memberships", body: m("employee", "$O", "$S", ""), errField: "branch", errMessage: "requires a branch"},
		{name: "branch of another suborg", collection: "memberships", body: m("branch_admin", "$O", "$S", "$C"), errField: "branch", errMessage: "does not belong to the suborganisation"},
		{name: "suborg of another org", collection: "memberships", body: m("suborg_admin", "$O", "$X", ""), errField: "suborganisation", errMessage: "does not belong to the organisation"},
		{name: "super admin limited to a suborg", collection: "memberships", body: m("super_admin", "$O", "$S", ""), errField: "suborganisation", errMessage: "cannot be limited"},
		{name: "unknown role", collection: "memberships", body: m("owner", "$O", "", ""), errField: "role", errMessage: ""},
	})
}

func TestBranchGetsAPIKey(t *testing.T) {
	f := newFixture(t)
	runInvariants(t, f, []invariant{
		{name: "new branch", collection: "branches", body: map[string]any{"name": "Library", "suborganisation": "$S"}, want: map[string]any{"name": "Library"}},
		{name: "same name in another suborg", collection: "branches", body: map[string]any{"name": "Library", "suborganisation": "$T"}},
		{name: "same name in the same suborg", collection: "branches", body: map[string]any{"name": "Library", "suborganisation": "$S"}, errField: "name", errMessage: "The fields suborganisation, name must make a unique set."},
		{name: "no suborg", collection: "branches", body: map[string]any{"name": "Orphan"}, errField: "suborganisation", errMessage: "blank"},
	})
	branches, _ := f.app.FindAllRecords(collections.Branches)
	keys, _ := f.app.FindAllRecords(collections.BranchAPIKeys)
	if len(keys) != len(branches) {
		t.Fatalf("%d branches but %d API keys: a rejected branch left a key behind, or one has none", len(branches), len(keys))
	}
	uuidV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, k := range keys {
		if !uuidV4.MatchString(k.GetString("key")) || !k.GetBool("is_active") || seen[k.GetString("branch")] {
			t.Errorf("bad key record %v", k.FieldsData())
		}
		seen[k.GetString("branch")] = true
	}
}

func TestSlideshowAspectRatioAndDefaults(t *testing.T) {
	f := newFixture(t)
	runInvariants(t, f, []invariant{
		{name: "defaults", collection: "slideshows", body: map[string]any{"name": "Plain"}, want: map[string]any{
			"aspect_ratio": "16:9", "preview_width": 1920.0, "preview_height": 1080.0, "mode": "slideshow", "is_custom_dimensions": true,
		}},
		{name: "ultrawide", collection: "slideshows", body: map[string]any{"name": "Wide", "preview_width": 2560, "preview_height": 1080}, want: map[string]any{"aspect_ratio": "21:9"}},
		{name: "reduced ratio", collection: "slideshows", body: map[string]any{"name": "Odd", "preview_width": 3440, "preview_height": 1440}, want: map[string]any{"aspect_ratio": "43:18"}},
		{name: "explicit false is kept", collection: "slideshows", body: map[string]any{"name": "Fixed", "is_custom_dimensions": false}, want: map[string]any{"is_custom_dimensions": false}},
		{name: "client cannot fake the ratio", collection: "slideshows", body: map[string]any{"name": "Fake", "aspect_ratio": "4:3"}, want: map[string]any{"aspect_ratio": "16:9"}},
		{name: "negative width", collection: "slideshows", body: map[string]any{"name": "Bad", "preview_width": -5}, errField: "preview_width", errMessage: ""},
		{name: "unknown mode", collection: "slideshows", body: map[string]any{"name": "Bad", "mode": "carousel"}, errField: "mode", errMessage: ""},
	})
	before, _ := f.app.FindRecordById(collections.Slideshows, f.ids["SL"])
	res := f.patch(t, "slideshows", f.ids["SL"], map[string]any{"preview_width": 1080, "preview_height": 1920})
	if got := res.JSON(t); got["aspect_ratio"] != "9:16" || got["updated_at"] == before.GetString("updated_at") {
		t.Errorf("update: aspect %v, updated_at %v (was %v)", got["aspect_ratio"], got["updated_at"], before.GetString("updated_at"))
	}
}

func TestPlaylistItems(t *testing.T) {
	f := newFixture(t)
	f.make(t, "INTERACTIVE", collections.Slideshows, map[string]any{"name": "Kiosk", "mode": "interactive"})
	f.make(t, "PORTRAIT", collections.Slideshows, map[string]any{"name": "Portrait", "preview_width": 1080, "preview_height": 1920})
	item := func(slideshow string, position any) map[string]any {
		b := map[string]any{"slideshow_playlist": "$PL", "slideshow": slideshow}
		if position != nil {
			b["position"] = position
		}
		return b
	}
	playlistBefore, _ := f.app.FindRecordById(collections.Playlists, f.ids["PL"])
	runInvariants(t, f, []invariant{
		{name: "first item", collection: "playlist_items", body: item("$SL", nil), want: map[string]any{"position": 1.0}},
		{name: "second item", collection: "playlist_items", body: item("$SL", nil), want: map[string]any{"position": 2.0}},
		{name: "explicit position", collection: "playlist_items", body: item("$SL", 10), want: map[string]any{"position": 10.0}},
		{name: "after a gap", collection: "playlist_items", body: item("$SL", nil), want: map[string]any{"position": 11.0}},
		{name: "interactive slideshow", collection: "playlist_items", body: item("$INTERACTIVE", nil), errField: "slideshow", errMessage: "Interactive manage_content cannot be added to playlists."},
		{name: "aspect mismatch", collection: "playlist_items", body: item("$PORTRAIT", nil), errField: "slideshow", errMessage: "Slideshow aspect ratio (9:16) does not match playlist aspect ratio (16:9)."},
		{name: "unknown slideshow", collection: "playlist_items", body: item("999", nil), errField: "slideshow", errMessage: ""},
	})
	playlistAfter, _ := f.app.FindRecordById(collections.Playlists, f.ids["PL"])
	if playlistAfter.GetString("updated_at") == playlistBefore.GetString("updated_at") {
		t.Error("adding items did not move the playlist's updated_at")
	}
}

func TestUsersAndOtherUniqueConstraints(t *testing.T) {
	f := newFixture(t)
	user := func(name string) map[string]any {
		return map[string]any{"username": name, "password": "password1", "passwordConfirm": "password1"}
	}
	runInvariants(t, f, []invariant{
		{name: "user defaults", collection: "users", body: user("anna"), want: map[string]any{"is_active": true, "language_preference": "en"}},
		{name: "username taken", collection: "users", body: user("anna"), errField: "username", errMessage: "already exists"},
		{name: "username is case-sensitive like Django", collection: "users", body: user("Anna")},
		{name: "tag", collection: "tags", body: map[string]any{"name": "news", "organisation": "$O"}},
		{name: "same tag in another org", collection: "tags", body: map[string]any{"name": "news", "organisation": "$P"}},
		{name: "same tag again", collection: "tags", body: map[string]any{"name": "news", "organisation": "$O"}, errField: "organisation", errMessage: "must make a unique set"},
		{name: "colour", collection: "custom_colors", body: map[string]any{"name": "Brand", "organisation": "$O", "hex_value": "#ff0000", "type": "primary"}},
		{name: "colour name taken", collection: "custom_colors", body: map[string]any{"name": "Brand", "organisation": "$O", "hex_value": "#00ff00", "type": "accent"}, errField: "name", errMessage: "must make a unique set"},
		{name: "formatting defaults", collection: "text_formatting_settings", body: map[string]any{"organisation": "$O"}, want: map[string]any{"allow_bold": true, "allow_italic": true, "allow_underline": true}},
		{name: "second formatting row", collection: "text_formatting_settings", body: map[string]any{"organisation": "$O"}, errField: "organisation", errMessage: "already exists"},
		{name: "screen", collection: "display_websites", body: map[string]any{"name": "Lobby", "branch": "$B"}, want: map[string]any{"aspect_ratio": "16:9"}},
		{name: "screen name taken in branch", collection: "display_websites", body: map[string]any{"name": "Lobby", "branch": "$B"}, errField: "branch", errMessage: "must make a unique set"},
		{name: "recurring time format", collection: "recurring_scheduled_contents", body: map[string]any{"weekday": 0, "start_time": "25:00", "end_time": "26:00", "active_from": "2026-01-01", "display_website_group": "1"}, errField: "start_time", errMessage: ""},
	})
}
