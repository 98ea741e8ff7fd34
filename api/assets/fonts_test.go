package assets_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

var fontKeys = []string{"id", "name", "font_url", "position", "organisation"}

func (w *world) key(t *testing.T, org string) string {
	t.Helper()
	k, err := apikey.ForBranch(w.App, w.Branch[org])
	if err != nil {
		t.Fatal(err)
	}
	return "X-API-KEY: " + k.GetString("key")
}

func TestFontReads(t *testing.T) {
	w := newWorld(t)
	font := w.Create(t, collections.CustomFonts, map[string]any{"name": "Inter", "font_url": "https://fonts.example.dk/inter.woff2", "position": 1, "organisation": w.Org["aarhus"]})
	theirs := w.Create(t, collections.CustomFonts, map[string]any{"name": "Roboto", "font_url": "https://fonts.example.dk/roboto.woff2", "position": 1, "organisation": w.Org["odense"]})
	screen := w.Create(t, collections.DisplayWebsites, map[string]any{"name": "Lobby", "branch": w.Branch["aarhus"], "aspect_ratio": "16:9"})
	orphan := w.Create(t, collections.DisplayWebsites, map[string]any{"name": "Nowhere", "aspect_ratio": "16:9"})
	aarhusKey, odenseKey := w.key(t, "aarhus"), w.key(t, "odense")
	w.Run(t, []apitest.Row{
		{Name: "list by organisation", User: "ulla", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Status: 200, Keys: fontKeys},
		{Name: "list by screen with its key", Method: "GET", Path: "/api/fonts/?displayWebsiteId=" + screen.Id + "&branch_id=", Headers: []string{aarhusKey}, Status: 200, Keys: fontKeys},
		{Name: "list by screen id alias", Method: "GET", Path: "/api/fonts/?id=" + screen.Id, Headers: []string{aarhusKey}, Status: 200, Keys: fontKeys},
		{Name: "list by organisation with its key", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Headers: []string{aarhusKey}, Status: 200, Keys: fontKeys},
		{Name: "get one", User: "ulla", Method: "GET", Path: "/api/fonts/" + font.Id + "/?organisation_id=aarhus", Status: 200, Keys: fontKeys},
		{Name: "get another organisation's", User: "ulla", Method: "GET", Path: "/api/fonts/" + theirs.Id + "/?organisation_id=aarhus", Status: 404, Want: `{"detail":"Font not found."}`},
		{Name: "anonymous", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "other organisation's screen", User: "olga", Method: "GET", Path: "/api/fonts/?displayWebsiteId=" + screen.Id, Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "key of another branch", Method: "GET", Path: "/api/fonts/?displayWebsiteId=" + screen.Id, Headers: []string{odenseKey}, Status: 403, Want: `{"detail":"API key not valid for this branch."}`},
		{Name: "key of another organisation", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Headers: []string{odenseKey}, Status: 403,
			Want: `{"detail":"API key does not grant access to this organisation."}`},
		{Name: "malformed key", Method: "GET", Path: "/api/fonts/?organisation_id=aarhus", Headers: []string{"X-API-KEY: nope"}, Status: 403, Want: `{"detail":"Invalid API key."}`},
		{Name: "nothing named", Method: "GET", Path: "/api/fonts/", Headers: []string{aarhusKey}, Status: 400, Want: `{"detail":"organisation_id parameter is required."}`},
		{Name: "unknown screen", Method: "GET", Path: "/api/fonts/?displayWebsiteId=999", Headers: []string{aarhusKey}, Status: 404, Want: `{"detail":"Display website not found."}`},
		{Name: "screen without branch", User: "sam", Method: "GET", Path: "/api/fonts/?display_website_id=" + orphan.Id, Status: 400, Want: `{"detail":"Display website missing branch/suborganisation."}`},
		{Name: "unknown organisation", User: "sam", Method: "GET", Path: "/api/fonts/?organisation_id=atlantis", Status: 404, Want: `{"detail":"Organization not found."}`},
	})
}

func TestFontWrites(t *testing.T) {
	w := newWorld(t)
	font := w.Create(t, collections.CustomFonts, map[string]any{"name": "Inter", "font_url": "https://fonts.example.dk/inter.woff2", "position": 1, "organisation": w.Org["aarhus"]})
	theirs := w.Create(t, collections.CustomFonts, map[string]any{"name": "Roboto", "font_url": "https://fonts.example.dk/roboto.woff2", "position": 1, "organisation": w.Org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/fonts/" + font.Id + "/" + q
	w.Run(t, []apitest.Row{
		{Name: "create from a URL", User: "alice", Method: "POST", Path: "/api/fonts/" + q, Body: map[string]any{"name": "Lato", "font_url": "https://fonts.example.dk/lato.woff"}, Status: 201, Keys: fontKeys},
		{Name: "create with a bad URL", User: "alice", Method: "POST", Path: "/api/fonts/" + q, Body: map[string]any{"name": "X", "font_url": "javascript:alert(1)"}, Status: 400,
			Want: `{"font_url":["Enter a valid URL."]}`},
		{Name: "create duplicate", User: "alice", Method: "POST", Path: "/api/fonts/" + q, Body: map[string]any{"name": "Inter", "font_url": "https://a.dk/x.ttf"}, Status: 400,
			Want: `{"message":["A font with this name already exists in this organisation."]}`},
		{Name: "create as org user", User: "ulla", Method: "POST", Path: "/api/fonts/" + q, Body: map[string]any{"name": "X", "font_url": "https://a.dk/x.ttf"}, Status: 403,
			Want: `{"detail":"You must be an organization admin to add fonts."}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/fonts/" + q, Body: map[string]any{"name": "X", "font_url": "https://a.dk/x.ttf"}, Status: 403,
			Want: `{"detail":"You must be an organization admin to add fonts."}`},
		{Name: "reorder", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"position": 5}, Status: 200, Keys: fontKeys},
		{Name: "patch another organisation's", User: "alice", Method: "PATCH", Path: "/api/fonts/" + theirs.Id + "/" + q, Body: map[string]any{"name": "X"}, Status: 404, Want: `{"detail":"Font not found."}`},
		{Name: "patch as org user", User: "ulla", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"You must be an organization admin to modify fonts."}`},
		{Name: "delete as org user", User: "ulla", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"You must be an organization admin to delete fonts."}`},
		{Name: "delete", User: "alice", Method: "DELETE", Path: one, Status: 204},
	})
}

// An uploaded font is stored through PocketBase and served at font_url by
// its public file route; a file of another type is refused untouched.
func TestFontUpload(t *testing.T) {
	w := newWorld(t)
	q := "/api/fonts/?organisation_id=aarhus"
	content := "wOF2 not really a font"
	got := w.Do(t, "alice", "POST", q, apitest.Multipart{{Name: "file", Value: content, File: "My Font.woff2"}})
	apitest.Check(t, got, http.StatusCreated, "", fontKeys...)
	font := apitest.Decode[map[string]any](t, got)
	url, _ := font["font_url"].(string)
	if font["name"] != "My Font" || font["position"] != 1.0 || !strings.HasPrefix(url, "http://example.com/api/files/custom_fonts/") || !strings.HasSuffix(url, ".woff2") {
		t.Fatalf("uploaded font %v", font)
	}
	served := w.Do(t, "", "GET", strings.TrimPrefix(url, "http://example.com"), nil)
	if served.Status != http.StatusOK || string(served.Body) != content {
		t.Fatalf("GET font_url: %d %q", served.Status, served.Body)
	}

	before := w.Count(t, collections.CustomFonts)
	bad := w.Do(t, "alice", "POST", q, apitest.Multipart{{Name: "name", Value: "Evil"}, {Name: "file", Value: "MZ", File: "evil.exe"}})
	apitest.Check(t, bad, http.StatusBadRequest, `{"detail":"Unsupported font file type: .exe. Allowed: .woff2, .woff, .ttf, .otf"}`)
	if after := w.Count(t, collections.CustomFonts); after != before {
		t.Fatalf("fonts %d -> %d after a refused upload", before, after)
	}

	// A new file replaces the old one; the name is kept unless given.
	id := font["id"].(float64)
	patched := apitest.Decode[map[string]any](t, w.Do(t, "alice", "PATCH", "/api/fonts/"+ftoa(id)+"/?organisation_id=aarhus",
		apitest.Multipart{{Name: "position", Value: "3"}, {Name: "file", Value: "ttf", File: "other.TTF"}}))
	if patched["name"] != "My Font" || patched["font_url"] == url || patched["position"] != 3.0 {
		t.Fatalf("patched %v", patched)
	}
	if old := w.Do(t, "", "GET", strings.TrimPrefix(url, "http://example.com"), nil); old.Status != http.StatusNotFound {
		t.Fatalf("replaced file still served: %d", old.Status)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
