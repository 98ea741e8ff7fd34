package templates_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

var globalKeys = []string{"id", "name", "slide_data", "thumbnail_url", "preview_width", "preview_height", "aspect_ratio", "is_legacy", "created_at", "updated_at"}

func TestGlobalTemplates(t *testing.T) {
	w := newWorld(t)
	tpl := w.Create(t, collections.GlobalSlideTemplates, map[string]any{"name": "Store", "slide_data": map[string]any{"slides": []any{}}})
	one := "/api/global-templates/" + tpl.Id + "/"
	png := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG"))
	only := `{"detail":"Only super admins can manage global templates."}`
	w.Run(t, []apitest.Row{
		{Name: "permissions of a super admin", User: "sam", Method: "GET", Path: "/api/global-templates/permissions/", Status: 200, Want: `{"can_manage":true}`},
		{Name: "permissions of an org admin", User: "alice", Method: "GET", Path: "/api/global-templates/permissions", Status: 200, Want: `{"can_manage":false}`},
		{Name: "permissions anonymous", Method: "GET", Path: "/api/global-templates/permissions/", Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
		{Name: "permissions wrong method", User: "sam", Method: "PATCH", Path: "/api/global-templates/permissions/", Status: 405, Want: `{"detail":"Method \"PATCH\" not allowed."}`},
		{Name: "list for any user", User: "aarhus_employee", Method: "GET", Path: "/api/global-templates/", Status: 200, Keys: globalKeys},
		{Name: "get one", User: "olga", Method: "GET", Path: one, Status: 200, Keys: globalKeys},
		{Name: "get missing", User: "olga", Method: "GET", Path: "/api/global-templates/999/", Status: 404, Want: `{"detail":"No GlobalSlideTemplate matches the given query."}`},
		{Name: "create as org admin", User: "alice", Method: "POST", Path: "/api/global-templates/", Body: map[string]any{"name": "X"}, Status: 403, Want: only},
		{Name: "create", User: "sam", Method: "POST", Path: "/api/global-templates/", Status: 201, Keys: globalKeys,
			Body: map[string]any{"name": "Poster", "slide_data": map[string]any{}, "preview_width": 1080, "preview_height": 1920, "aspect_ratio": "9:16", "thumbnail_url": png}},
		{Name: "create without name", User: "sam", Method: "POST", Path: "/api/global-templates/", Body: map[string]any{"thumbnail_url": "data:image/png;base64,"}, Status: 400,
			Want: `{"name":["This field is required."],"thumbnail_url":["Invalid data URL: missing payload."]}`},
		{Name: "patch bad size", User: "sam", Method: "PATCH", Path: one, Body: map[string]any{"preview_width": 0, "preview_height": "x"}, Status: 400,
			Want: `{"preview_width":["Ensure this value is greater than or equal to 1."],"preview_height":["A valid integer is required."]}`},
		{Name: "patch not an image", User: "sam", Method: "PATCH", Path: one, Body: map[string]any{"thumbnail_url": "data:text/plain;base64,aGk="}, Status: 400,
			Want: `{"thumbnail_url":["Only image data URLs are supported for thumbnails."]}`},
		{Name: "patch", User: "sam", Method: "PATCH", Path: one, Body: map[string]any{"name": "Store 2", "thumbnail_url": ""}, Status: 200, Keys: globalKeys},
		{Name: "patch as org admin", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: only},
		{Name: "delete as org admin", User: "olga", Method: "DELETE", Path: one, Status: 403, Want: only},
		{Name: "delete missing", User: "sam", Method: "DELETE", Path: "/api/global-templates/999/", Status: 404, Want: `{"detail":"No GlobalSlideTemplate matches the given query."}`},
	})
	list := apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", "/api/global-templates/", nil))
	if len(list) != 2 || list[0]["name"] != "Poster" || string(storedThumbnail(t, w, list[0]["thumbnail_url"])) != "\x89PNG" || list[0]["preview_width"] != 1080.0 ||
		list[1]["name"] != "Store 2" || list[1]["thumbnail_url"] != nil || list[1]["preview_width"] != 1920.0 || list[1]["aspect_ratio"] != "16:9" {
		t.Fatalf("global templates %v", list)
	}
	apitest.Check(t, w.Do(t, "sam", "DELETE", one, nil), 204, "")
	if n := w.Count(t, collections.GlobalSlideTemplates); n != 1 {
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
		got := w.Do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": c.thumbnail})
		apitest.Check(t, got, 400, `{"thumbnail_url":["`+c.want+`"]}`)
	}
	outside := "https://cdn.example.dk/t.png"
	got := apitest.Decode[map[string]any](t, w.Do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": outside}))
	if got["thumbnail_url"] != outside {
		t.Fatalf("outside thumbnail stored as %v", got["thumbnail_url"])
	}
	// A data: URL at the limit goes into the media storage, served back as it was.
	svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(big[:1_000_000])
	got = apitest.Decode[map[string]any](t, w.Do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": svg}))
	if stored := storedThumbnail(t, w, got["thumbnail_url"]); len(stored) != 1_000_000 {
		t.Fatalf("stored thumbnail of %d bytes", len(stored))
	}
	// Replacing it with an outside URL removes the stored file.
	id := string(mustJSON(t, got["id"]))
	before := got["thumbnail_url"].(string)
	apitest.Check(t, w.Do(t, "sam", "PATCH", "/api/global-templates/"+id+"/", map[string]any{"thumbnail_url": outside}), 200, "")
	if r := w.Do(t, "", "GET", strings.TrimPrefix(before, "http://example.com"), nil); r.Status != 404 {
		t.Fatalf("the replaced thumbnail is still served: %d", r.Status)
	}
	null := apitest.Decode[map[string]any](t, w.Do(t, "sam", "POST", "/api/global-templates/", map[string]any{"name": "T", "thumbnail_url": nil}))
	if v, present := null["thumbnail_url"]; !present || v != nil {
		t.Fatalf("null thumbnail: %v", null)
	}
	if n := w.Count(t, collections.GlobalSlideTemplates); n != 3 {
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
	r := w.Do(t, "", "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d", path, r.Status)
	}
	return r.Body
}
