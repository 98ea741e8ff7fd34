package templates_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

var globalKeys = []string{"id", "name", "slide_data", "thumbnail_url", "preview_width", "preview_height", "aspect_ratio", "is_legacy", "created_at", "updated_at"}

func TestGlobalTemplates(t *testing.T) {
	w := newWorld(t)
	tpl := w.create(t, collections.GlobalSlideTemplates, map[string]any{"name": "Store", "slide_data": map[string]any{"slides": []any{}}})
	one := "/api/global-templates/" + tpl.Id + "/"
	png := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG"))
	only := `{"detail":"Only super admins can manage global templates."}`
	w.run(t, []row{
		{name: "permissions of a super admin", user: "sam", method: "GET", path: "/api/global-templates/permissions/", status: 200, want: `{"can_manage":true}`},
		{name: "permissions of an org admin", user: "alice", method: "GET", path: "/api/global-templates/permissions", status: 200, want: `{"can_manage":false}`},
		{name: "permissions anonymous", method: "GET", path: "/api/global-templates/permissions/", status: 401, want: `{"detail":"Authentication credentials were not provided."}`},
		{name: "permissions wrong method", user: "sam", method: "PATCH", path: "/api/global-templates/permissions/", status: 405, want: `{"detail":"Method \"PATCH\" not allowed."}`},
		{name: "list for any user", user: "aarhus_employee", method: "GET", path: "/api/global-templates/", status: 200, keys: globalKeys},
		{name: "get one", user: "olga", method: "GET", path: one, status: 200, keys: globalKeys},
		{name: "get missing", user: "olga", method: "GET", path: "/api/global-templates/999/", status: 404, want: `{"detail":"No GlobalSlideTemplate matches the given query."}`},
		{name: "create as org admin", user: "alice", method: "POST", path: "/api/global-templates/", body: map[string]any{"name": "X"}, status: 403, want: only},
		{name: "create", user: "sam", method: "POST", path: "/api/global-templates/", status: 201, keys: globalKeys,
			body: map[string]any{"name": "Poster", "slide_data": map[string]any{}, "preview_width": 1080, "preview_height": 1920, "aspect_ratio": "9:16", "thumbnail_url": png}},
		{name: "create without name", user: "sam", method: "POST", path: "/api/global-templates/", body: map[string]any{"thumbnail_url": "data:image/png;base64,"}, status: 400,
			want: `{"name":["This field is required."],"thumbnail_url":["Invalid data URL: missing payload."]}`},
		{name: "patch bad size", user: "sam", method: "PATCH", path: one, body: map[string]any{"preview_width": 0, "preview_height": "x"}, status: 400,
			want: `{"preview_width":["Ensure this value is greater than or equal to 1."],"preview_height":["A valid integer is required."]}`},
		{name: "patch not an image", user: "sam", method: "PATCH", path: one, body: map[string]any{"thumbnail_url": "data:text/plain;base64,aGk="}, status: 400,
			want: `{"thumbnail_url":["Only image data URLs are supported for thumbnails."]}`},
		{name: "patch", user: "sam", method: "PATCH", path: one, body: map[string]any{"name": "Store 2", "thumbnail_url": ""}, status: 200, keys: globalKeys},
		{name: "patch as org admin", user: "alice", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: only},
		{name: "delete as org admin", user: "olga", method: "DELETE", path: one, status: 403, want: only},
		{name: "delete missing", user: "sam", method: "DELETE", path: "/api/global-templates/999/", status: 404, want: `{"detail":"No GlobalSlideTemplate matches the given query."}`},
	})
	list := decode[[]map[string]any](t, w.do(t, "ulla", "GET", "/api/global-templates/", nil))
	if len(list) != 2 || list[0]["name"] != "Poster" || string(storedThumbnail(t, w, list[0]["thumbnail_url"])) != "\x89PNG" || list[0]["preview_width"] != 1080.0 ||
		list[1]["name"] != "Store 2" || list[1]["thumbnail_url"] != nil || list[1]["preview_width"] != 1920.0 || list[1]["aspect_ratio"] != "16:9" {
		t.Fatalf("global templates %v", list)
	}
	check(t, w.do(t, "sam", "DELETE", one, nil), 204, "")
	if n := w.count(t, collections.GlobalSlideTemplates); n != 1 {
		t.Fatalf("%d global templates, want 1", n)
	}
}

// The thumbnail data-URL rules of docs/api.md, "Slide templates", over HTTP.
func TestGlobalThumbnails(t *testing.T) {
	w := newWorld(t)
	big := make([]byte, 1_000_001)
	for _, c := range []struct{ thumbnail, want string }{
		{"data:image/png;base64", "Invalid data URL: missing payload."},
		{"data:text/html;base64,PGI+", "Only image data URLs are supported for thumbnails."},
		{"data:image/png;base64,abc", "Thumbnail data URL is not valid base64."},
		{"data:image/png;base64,YW Jj", "Thumbnail data URL is not valid base64."},
		{"data:image/png;base64," + base64.StdEncoding.EncodeToString(big), "Thumbnail image exceeds the 1 MB limit."},
	} {
		got := w.do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": c.thumbnail})
		check(t, got, 400, `{"thumbnail_url":["`+c.want+`"]}`)
	}
	outside := "https://cdn.example.dk/t.png"
	got := decode[map[string]any](t, w.do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": outside}))
	if got["thumbnail_url"] != outside {
		t.Fatalf("outside thumbnail stored as %v", got["thumbnail_url"])
	}
	// A data: URL at the limit goes into the media storage, served back as it was.
	svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(big[:1_000_000])
	got = decode[map[string]any](t, w.do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": svg}))
	if stored := storedThumbnail(t, w, got["thumbnail_url"]); len(stored) != 1_000_000 {
		t.Fatalf("stored thumbnail of %d bytes", len(stored))
	}
	// Replacing it with an outside URL removes the stored file.
	id := string(mustJSON(t, got["id"]))
	before := got["thumbnail_url"].(string)
	check(t, w.do(t, "sam", "PATCH", "/api/global-templates/"+id+"/", map[string]any{"thumbnail_url": outside}), 200, "")
	if r := w.do(t, "", "GET", strings.TrimPrefix(before, "http://example.com"), nil); r.status != 404 {
		t.Fatalf("the replaced thumbnail is still served: %d", r.status)
	}
	null := decode[map[string]any](t, w.do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": nil}))
	if v, present := null["thumbnail_url"]; !present || v != nil {
		t.Fatalf("null thumbnail: %v", null)
	}
	if n := w.count(t, collections.GlobalSlideTemplates); n != 3 {
		t.Fatalf("%d global templates, want the 3 accepted", n)
	}
}

// storedThumbnail fetches a thumbnail_url the API answered, through the
// same server (PocketBase's file route), and returns its bytes.
func storedThumbnail(t *testing.T, w *world, url any) []byte {
	t.Helper()
	u, _ := url.(string)
	path := strings.TrimPrefix(u, "http://example.com")
	if !strings.HasPrefix(path, "/api/files/"+collections.GlobalSlideTemplates+"/") {
		t.Fatalf("thumbnail_url %q is not a stored file's address", u)
	}
	r := w.do(t, "", "GET", path, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d", path, r.status)
	}
	return r.body
}
