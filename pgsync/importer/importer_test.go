package importer_test

import (
	"context"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync/importer"
	"github.com/openstream-go/openstream/settings"
)

// fixturePath is a copy of shared/fixtures/openstream-dev-data.json, the
// upstream development dump (older field names: hexValue, slideData).
const fixturePath = "testdata/openstream-dev-data.json"

func loadFixture(t testing.TB) *importer.Fixture {
	t.Helper()
	f, err := os.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx, err := importer.ParseFixture(f)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// The counts per model of the dump, as `grep -c` would find them.
var fixtureCounts = []struct {
	table, collection string
	want              int
}{
	{"auth_user", collections.Users, 2},
	{"app_organisation", collections.Organisations, 3},
	{"app_organisationapiaccess", collections.OrganisationAPIAccess, 3},
	{"app_suborganisation", collections.Suborganisations, 9},
	{"app_branch", collections.Branches, 23},
	{"app_organisationmembership", collections.Memberships, 1},
	{"app_category", collections.Categories, 6},
	{"app_tag", collections.Tags, 15},
	{"app_slideshowplaylist", collections.Playlists, 1},
	{"app_displaywebsitegroup", collections.DisplayWebsiteGroups, 2},
	{"app_displaywebsite", collections.DisplayWebsites, 2},
	{"app_document", collections.Documents, 3},
	{"app_customcolor", collections.CustomColors, 79},
	{"app_customfont", collections.CustomFonts, 2},
	{"app_slidetemplate", collections.SlideTemplates, 1},
	{"app_registeredslidetypes", collections.RegisteredSlideTypes, 10},
}

func TestImportFixture(t *testing.T) {
	app := testapp.New(t)
	ctx := context.Background()
	sum, err := importer.Run(ctx, app, loadFixture(t), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fixtureCounts {
		ts := sum.Table(c.table)
		if ts == nil || ts.Read != c.want || ts.Created != c.want || ts.Skipped != 0 {
			t.Errorf("%s: summary %+v, want %d read and created", c.table, ts, c.want)
		}
		if n, err := app.CountRecords(c.collection); err != nil || int(n) != c.want {
			t.Errorf("%s: %d records (%v), want %d", c.collection, n, err, c.want)
		}
	}
	for _, ignored := range []string{"admin_logentry", "sessions_session"} {
		if ts := sum.Table(ignored); ts == nil || ts.Skipped != ts.Read || ts.Read == 0 {
			t.Errorf("%s: %+v, want every row reported as skipped", ignored, ts)
		}
	}
	checkFixtureValues(t, app)

	again, err := importer.Run(ctx, app, loadFixture(t), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Changes() != 0 {
		t.Fatalf("second import changed %d records:\n%s", again.Changes(), render(t, again))
	}
	checkLogin(t, app, "superadmin", "superadmin")
}

// checkFixtureValues spot-checks the old field names and relations.
func checkFixtureValues(t *testing.T, app core.App) {
	t.Helper()
	checks := []struct {
		collection, id, field, want string
	}{
		{collections.CustomColors, "5", "hex_value", "#AE9361"},
		{collections.CustomColors, "5", "organisation", "1"},
		{collections.Branches, "9", "suborganisation", "4"},
		{collections.Organisations, "3", "uri_name", "brndby"},
		{collections.Users, "32", "username", "superadmin"},
		{collections.Users, "32", "language_preference", "en"},
		{collections.Playlists, "2", "updated_at", "2025-08-23 06:43:51.413Z"},
		{collections.Documents, "4", "file", "uploads/1600px_colourbox64593484-093596c13ede.jpg"},
		{collections.Memberships, "31", "role", collections.RoleSuperAdmin},
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
	tpl, err := app.FindRecordById(collections.SlideTemplates, "25")
	if err != nil || len(tpl.GetString("slide_data")) < 100 {
		t.Errorf("template 25 lost its slideData: %v", err)
	}
}

// checkLogin logs in through the OpenStream token endpoint.
func checkLogin(t *testing.T, app core.App, username, password string) {
	t.Helper()
	api.Register(app, api.Config{Settings: settings.FromEnv(func(string) string { return "" }), Tokens: authtoken.DefaultLifetimes})
	res := testapp.Do(t, testapp.Handler(t, app), "POST", "/api/token/", map[string]any{"username": username, "password": password}, "")
	if res.Status != 200 || res.JSON(t)["access"] == nil {
		t.Fatalf("login as %s: %d %s", username, res.Status, res.Body)
	}
}

func render(t *testing.T, s importer.Summary) string {
	t.Helper()
	var b testWriter
	_ = s.Write(&b)
	return string(b)
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
