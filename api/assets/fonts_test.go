package assets_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
)

var fontKeys = []string{"id", "name", "font_url", "position", "organisation"}

func (w *world) key(t *testing.T, org string) string {
	t.Helper()
	k, err := apikey.ForBranch(w.app, w.branch[org])
	if err != nil {
		t.Fatal(err)
	}
	return "X-API-KEY: " + k.GetString("key")
}

func TestFontReads(t *testing.T) {
	w := newWorld(t)
	font := w.create(t, collections.CustomFonts, map[string]any{"name": "Inter", "font_url": "https://fonts.example.dk/inter.woff2", "position": 1, "organisation": w.org["aarhus"]})
	theirs := w.create(t, collections.CustomFonts, map[string]any{"name": "Roboto", "font_url": "https://fonts.example.dk/roboto.woff2", "position": 1, "organisation": w.org["odense"]})
	screen := w.create(t, collections.DisplayWebsites, map[string]any{"name": "Lobby", "branch": w.branch["aarhus"], "aspect_ratio": "16:9"})
	orphan := w.create(t, collections.DisplayWebsites, map[string]any{"name": "Nowhere", "aspect_ratio": "16:9"})
	aarhusKey, odenseKey := w.key(t, "aarhus"), w.key(t, "odense")
	w.run(t, []row{
		{name: "list by organisation", user: "ulla", method: "GET", path: "/api/fonts/?organisation_id=aarhus", status: 200, keys: fontKeys},
		{name: "list by screen with its key", method: "GET", path: "/api/fonts/?displayWebsiteId=" + screen.Id + "&branch_id=", headers: []string{aarhusKey}, status: 200, keys: fontKeys},
		{name: "list by screen id alias", method: "GET", path: "/api/fonts/?id=" + screen.Id, headers: []string{aarhusKey}, status: 200, keys: fontKeys},
		{name: "list by organisation with its key", method: "GET", path: "/api/fonts/?organisation_id=aarhus", headers: []string{aarhusKey}, status: 200, keys: fontKeys},
		{name: "get one", user: "ulla", method: "GET", path: "/api/fonts/" + font.Id + "/?organisation_id=aarhus", status: 200, keys: fontKeys},
		{name: "get another organisation's", user: "ulla", method: "GET", path: "/api/fonts/" + theirs.Id + "/?organisation_id=aarhus", status: 404, want: `{"detail":"Font not found."}`},
		{name: "anonymous", method: "GET", path: "/api/fonts/?organisation_id=aarhus", status: 401, want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "other organisation", user: "olga", method: "GET", path: "/api/fonts/?organisation_id=aarhus", status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "other organisation's screen", user: "olga", method: "GET", path: "/api/fonts/?displayWebsiteId=" + screen.Id, status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "key of another branch", method: "GET", path: "/api/fonts/?displayWebsiteId=" + screen.Id, headers: []string{odenseKey}, status: 403, want: `{"detail":"API key not valid for this branch."}`},
		{name: "key of another organisation", method: "GET", path: "/api/fonts/?organisation_id=aarhus", headers: []string{odenseKey}, status: 403,
			want: `{"detail":"API key does not grant access to this organisation."}`},
		{name: "malformed key", method: "GET", path: "/api/fonts/?organisation_id=aarhus", headers: []string{"X-API-KEY: nope"}, status: 403, want: `{"detail":"Invalid API key."}`},
		{name: "nothing named", method: "GET", path: "/api/fonts/", headers: []string{aarhusKey}, status: 400, want: `{"detail":"organisation_id parameter is required."}`},
		{name: "unknown screen", method: "GET", path: "/api/fonts/?displayWebsiteId=999", headers: []string{aarhusKey}, status: 404, want: `{"detail":"Display website not found."}`},
		{name: "screen without branch", user: "sam", method: "GET", path: "/api/fonts/?display_website_id=" + orphan.Id, status: 400, want: `{"detail":"Display website missing branch/suborganisation."}`},
		{name: "unknown organisation", user: "sam", method: "GET", path: "/api/fonts/?organisation_id=atlantis", status: 404, want: `{"detail":"Organization not found."}`},
	})
}

func TestFontWrites(t *testing.T) {
	w := newWorld(t)
	font := w.create(t, collections.CustomFonts, map[string]any{"name": "Inter", "font_url": "https://fonts.example.dk/inter.woff2", "position": 1, "organisation": w.org["aarhus"]})
	theirs := w.create(t, collections.CustomFonts, map[string]any{"name": "Roboto", "font_url": "https://fonts.example.dk/roboto.woff2", "position": 1, "organisation": w.org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/fonts/" + font.Id + "/" + q
	w.run(t, []row{
		{name: "create from a URL", user: "alice", method: "POST", path: "/api/fonts/" + q, body: map[string]any{"name": "Lato", "font_url": "https://fonts.example.dk/lato.woff"}, status: 201, keys: fontKeys},
		{name: "create with a bad URL", user: "alice", method: "POST", path: "/api/fonts/" + q, body: map[string]any{"name": "X", "font_url": "javascript:alert(1)"}, status: 400,
			want: `{"font_url":["Enter a valid URL."]}`},
		{name: "create duplicate", user: "alice", method: "POST", path: "/api/fonts/" + q, body: map[string]any{"name": "Inter", "font_url": "https://a.dk/x.ttf"}, status: 400,
			want: `{"message":["A font with this name already exists in this organisation."]}`},
		{name: "create as org user", user: "ulla", method: "POST", path: "/api/fonts/" + q, body: map[string]any{"name": "X", "font_url": "https://a.dk/x.ttf"}, status: 403,
			want: `{"detail":"You must be an organization admin to add fonts."}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/fonts/" + q, body: map[string]any{"name": "X", "font_url": "https://a.dk/x.ttf"}, status: 403,
			want: `{"detail":"You must be an organization admin to add fonts."}`},
		{name: "reorder", user: "alice", method: "PATCH", path: one, body: map[string]any{"position": 5}, status: 200, keys: fontKeys},
		{name: "patch another organisation's", user: "alice", method: "PATCH", path: "/api/fonts/" + theirs.Id + "/" + q, body: map[string]any{"name": "X"}, status: 404, want: `{"detail":"Font not found."}`},
		{name: "patch as org user", user: "ulla", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"You must be an organization admin to modify fonts."}`},
		{name: "delete as org user", user: "ulla", method: "DELETE", path: one, status: 403, want: `{"detail":"You must be an organization admin to delete fonts."}`},
		{name: "delete", user: "alice", method: "DELETE", path: one, status: 204},
	})
}

// An uploaded font is stored through PocketBase and served at font_url by
// its public file route; a file of another type is refused untouched.
func TestFontUpload(t *testing.T) {
	w := newWorld(t)
	q := "/api/fonts/?organisation_id=aarhus"
	content := "wOF2 not really a font"
	got := w.do(t, "alice", "POST", q, multipartBody{files: map[string][2]string{"file": {"My Font.woff2", content}}})
	check(t, got, http.StatusCreated, "", fontKeys...)
	font := decode[map[string]any](t, got)
	url, _ := font["font_url"].(string)
	if font["name"] != "My Font" || font["position"] != 1.0 || !strings.HasPrefix(url, "http://example.com/api/files/custom_fonts/") || !strings.HasSuffix(url, ".woff2") {
		t.Fatalf("uploaded font %v", font)
	}
	served := w.do(t, "", "GET", strings.TrimPrefix(url, "http://example.com"), nil)
	if served.status != http.StatusOK || string(served.body) != content {
		t.Fatalf("GET font_url: %d %q", served.status, served.body)
	}

	before := w.count(t, collections.CustomFonts)
	bad := w.do(t, "alice", "POST", q, multipartBody{fields: map[string]string{"name": "Evil"}, files: map[string][2]string{"file": {"evil.exe", "MZ"}}})
	check(t, bad, http.StatusBadRequest, `{"detail":"Unsupported font file type: .exe. Allowed: .woff2, .woff, .ttf, .otf"}`)
	if after := w.count(t, collections.CustomFonts); after != before {
		t.Fatalf("fonts %d -> %d after a refused upload", before, after)
	}

	// A new file replaces the old one; the name is kept unless given.
	id := font["id"].(float64)
	patched := decode[map[string]any](t, w.do(t, "alice", "PATCH", "/api/fonts/"+ftoa(id)+"/?organisation_id=aarhus",
		multipartBody{fields: map[string]string{"position": "3"}, files: map[string][2]string{"file": {"other.TTF", "ttf"}}}))
	if patched["name"] != "My Font" || patched["font_url"] == url || patched["position"] != 3.0 {
		t.Fatalf("patched %v", patched)
	}
	if old := w.do(t, "", "GET", strings.TrimPrefix(url, "http://example.com"), nil); old.status != http.StatusNotFound {
		t.Fatalf("replaced file still served: %d", old.status)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
