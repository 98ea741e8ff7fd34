package static_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
	"github.com/openstream-go/openstream/static"
)

const frontend = "testdata/frontend"

// serve returns the app's whole handler (the REST API included, so the
// routes are checked to live together) with files from dir, or from
// embedded when dir is "".
func serve(t testing.TB, embedded fstest.MapFS, dir string) http.Handler {
	t.Helper()
	app := testapp.New(t)
	api.Register(app, api.Config{Settings: settings.Default()})
	static.Register(app, embedded, dir)
	return testapp.Handler(t, app)
}

func get(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(frontend, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func context(org, suborg, branch string) string {
	quote := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	return `<script>window.OPENSTREAM_CONTEXT = {"orgName":` + quote(org) + `,"subOrg":` + quote(suborg) + `,"branch":` + quote(branch) + `};`
}

// TestFrontendPages: a built frontend's pages get the context of their path
// injected before </head>; everything else is served as it is.
func TestFrontendPages(t *testing.T) {
	h := serve(t, fstest.MapFS{}, frontend)
	tests := []struct {
		name, path string
		status     int
		page       string // the file whose content is injected
		context    string
	}{
		{"branch page", "/aarhus/suborg/3/branch/7/manage-content", 200, "manage-content.html", context("aarhus", "3", "7")},
		{"pairs in any order", "/aarhus/branch/7/suborg/3/manage-content", 200, "manage-content.html", context("aarhus", "3", "7")},
		{"suborg page", "/aarhus/suborg/3/manage-content", 200, "manage-content.html", context("aarhus", "3", "")},
		{"organisation page", "/aarhus/manage-content", 200, "manage-content.html", context("aarhus", "", "")},
		{"trailing slash", "/aarhus/suborg/3/manage-content/", 200, "manage-content.html", context("aarhus", "3", "")},
		{"escaped uri_name", "/%C3%B8stjylland/manage-content", 200, "manage-content.html", context("østjylland", "", "")},
		{"key case", "/aarhus/SubOrg/3/manage-content", 200, "manage-content.html", context("aarhus", "3", "")},
		{"page without organisation", "/sign-in", 200, "sign-in.html", context("", "", "")},
		{"connect-screen", "/connect-screen", 200, "connect-screen.html", context("", "", "")},
		{"the reset mail's link", "/reset-password?token=abc", 200, "reset-password.html", context("", "", "")},
		{"slide-type page", "/slide-types/clock", 200, "slide-types/clock.html", context("", "", "")},

		{"unknown page", "/aarhus/suborg/3/branch/7/no-such-page", 404, "", ""},
		{"unknown key", "/aarhus/team/3/manage-content", 404, "", ""},
		{"key without value", "/aarhus/suborg/manage-content", 404, "", ""},
		{"page with a dot", "/aarhus/manage-content.html", 404, "", ""},
		{"value with a dot", "/aarhus/suborg/3.5/manage-content", 404, "", ""},
		{"encoded slash", "/a%2Fb/manage-content", 404, "", ""},
		{"dot segment", "/%2e%2e/static.go", 404, "", ""},
		{"reserved prefix", "/auth/manage-content", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(h, http.MethodGet, tt.path)
			if rec.Code != tt.status {
				t.Fatalf("%s: %d, want %d\n%s", tt.path, rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("a miss answers JSON, got %q", ct)
				}
				return
			}
			body, original := rec.Body.String(), read(t, tt.page)
			if !strings.Contains(body, tt.context) {
				t.Fatalf("no %s in\n%s", tt.context, body)
			}
			if strings.Count(body, "<script>window.OPENSTREAM_CONTEXT") != 1 || strings.Replace(body, scriptOf(body), "", 1) != original {
				t.Fatalf("the page is not the file plus one script:\n%s", body)
			}
			if strings.Contains(original, "</head>") && !strings.Contains(body, "</script></head>") {
				t.Fatalf("the script is not right before </head>:\n%s", body)
			}
			if rec.Header().Get("Cache-Control") != static.CacheRevalidate || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("headers: %v", rec.Header())
			}
		})
	}
}

// scriptOf is the injected script element in body.
func scriptOf(body string) string {
	start := strings.Index(body, "<script>window.OPENSTREAM_CONTEXT")
	end := strings.Index(body[start:], "</script>")
	return body[start : start+end+len("</script>")]
}

func TestFrontendSetsTheGlobals(t *testing.T) {
	body := get(serve(t, fstest.MapFS{}, frontend), http.MethodGet, "/aarhus/suborg/3/branch/7/manage-content").Body.String()
	for _, global := range []string{"window.ORG_NAME = window.OPENSTREAM_CONTEXT.orgName", "window.SUB_ORG = window.OPENSTREAM_CONTEXT.subOrg", "window.BRANCH = window.OPENSTREAM_CONTEXT.branch"} {
		if !strings.Contains(body, global) {
			t.Errorf("no %q in the page", global)
		}
	}
}

func TestBareOrganisationGoesToSignIn(t *testing.T) {
	h := serve(t, fstest.MapFS{}, frontend)
	for path, want := range map[string]string{
		"/aarhus":                "/aarhus/sign-in",
		"/aarhus/?next=x":        "/aarhus/sign-in?next=x",
		"/%C3%B8stjylland":       "/%C3%B8stjylland/sign-in",
		"/wayfinding?id=4&x=a+b": "/wayfinding/sign-in?id=4&x=a+b",
		// A page path without an organisation, as the frontend's server
		// answered it (the page would otherwise load without one).
		"/manage-content":   "/manage-content/sign-in",
		"/manage-content/":  "/manage-content/sign-in",
		"/manage-content?x": "/manage-content/sign-in?x",
	} {
		rec := get(h, http.MethodGet, path)
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != want {
			t.Errorf("%s: %d to %q, want 302 to %q", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
}

// TestAssetsAreServedUntouched: files are served byte for byte, with a
// cache policy by kind and validators that answer 304.
func TestAssetsAreServedUntouched(t *testing.T) {
	h := serve(t, fstest.MapFS{}, frontend)
	tests := []struct {
		path, file, cache, contentType string
	}{
		{"/assets/main-Dx3kP9aQ.js", "assets/main-Dx3kP9aQ.js", static.CacheImmutable, "text/javascript"},
		{"/assets/logo.svg", "assets/logo.svg", static.CacheShort, "image/svg+xml"},
		{"/docs/en/intro.md", "docs/en/intro.md", static.CacheShort, ""},
		{"/", "index.html", static.CacheRevalidate, "text/html"},
		{"/sign-in.html", "sign-in.html", static.CacheRevalidate, "text/html"},
	}
	for _, tt := range tests {
		rec := get(h, http.MethodGet, tt.path)
		if rec.Code != 200 || rec.Body.String() != read(t, tt.file) {
			t.Fatalf("%s: %d, body differs from %s:\n%s", tt.path, rec.Code, tt.file, rec.Body)
		}
		if got := rec.Header().Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.contentType) {
			t.Errorf("%s: Content-Type %q", tt.path, rec.Header().Get("Content-Type"))
		}
		modified := rec.Header().Get("Last-Modified")
		if modified == "" {
			t.Fatalf("%s: files from disk carry Last-Modified", tt.path)
		}
		if again := get(h, http.MethodGet, tt.path, "If-Modified-Since", modified); again.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation answered %d", tt.path, again.Code)
		}
	}
	if rec := get(h, http.MethodHead, "/assets/logo.svg"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(h, http.MethodGet, "/assets/"); rec.Code != 404 {
		t.Errorf("a directory without index.html: %d", rec.Code)
	}
}

func TestEmbeddedFilesCarryETags(t *testing.T) {
	embedded := fstest.MapFS{
		"index.html":              {Data: []byte("<html><head></head>home</html>")},
		"robots.txt":              {Data: []byte("User-agent: *\nDisallow: /\n")},
		"assets/app-AAAAbbbb.css": {Data: []byte("body{}")},
	}
	h := serve(t, embedded, "")
	rec := get(h, http.MethodGet, "/robots.txt")
	tag := rec.Header().Get("ETag")
	if rec.Code != 200 || rec.Body.String() != "User-agent: *\nDisallow: /\n" || tag == "" || rec.Header().Get("Cache-Control") != static.CacheShort {
		t.Fatalf("robots.txt: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if again := get(h, http.MethodGet, "/robots.txt", "If-None-Match", tag); again.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", again.Code)
	}
	if other := get(h, http.MethodGet, "/", "If-None-Match", tag); other.Code != 200 || other.Body.String() != "<html><head></head>home</html>" {
		t.Fatalf("index: %d %q", other.Code, other.Body)
	}
	if rec := get(h, http.MethodGet, "/assets/app-AAAAbbbb.css"); rec.Header().Get("Cache-Control") != static.CacheImmutable {
		t.Fatalf("hashed asset: %v", rec.Header())
	}
	// Without a frontend there are no organisation pages or redirects.
	for _, path := range []string{"/aarhus", "/aarhus/manage-content", "/nope.txt"} {
		if rec := get(h, http.MethodGet, path); rec.Code != 404 {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// TestOtherRoutesKeepTheirAnswers: the catch-all sits below the server's
// own routes and misses answer as before. (The dashboard's /_/ is bound by
// PocketBase's serve itself; the root package's tests check it beside.)
func TestOtherRoutesKeepTheirAnswers(t *testing.T) {
	h := serve(t, fstest.MapFS{}, frontend)
	if rec := get(h, http.MethodGet, "/api/health"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"code":200`) {
		t.Fatalf("/api/health: %d %s", rec.Code, rec.Body)
	}
	if rec := get(h, http.MethodGet, "/api/no-such-endpoint/"); rec.Code != 404 || strings.TrimSpace(rec.Body.String()) != `{"detail":"Not found."}` {
		t.Fatalf("API miss: %d %s", rec.Code, rec.Body)
	}
	rec := get(h, http.MethodPost, "/sign-in")
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("POST to a page: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := get(h, http.MethodDelete, "/nothing-here.txt"); rec.Code != 404 {
		t.Fatalf("DELETE of nothing: %d", rec.Code)
	}
}

// TestDevelopmentReadsEdits: in development the files are read from disk
// on every request and never cached, so an edit shows at once.
func TestDevelopmentReadsEdits(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "manage-content.html")
	write := func(s string) {
		if err := os.WriteFile(page, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("<head></head>first")
	if err := os.WriteFile(filepath.Join(dir, "sign-in.html"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	app := testapp.New(t)
	site := static.New(os.DirFS(dir), true)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Any("/{path...}", site.Serve)
		return se.Next()
	})
	h := testapp.Handler(t, app)
	if body := get(h, http.MethodGet, "/aarhus/manage-content").Body.String(); !strings.HasSuffix(body, "first") {
		t.Fatalf("before: %q", body)
	}
	write("<head></head>second")
	rec := get(h, http.MethodGet, "/aarhus/manage-content")
	if !strings.HasSuffix(rec.Body.String(), "second") {
		t.Fatalf("the edit does not show: %q", rec.Body)
	}
	if rec := get(h, http.MethodGet, "/manage-content.html"); rec.Header().Get("Cache-Control") != static.CacheRevalidate {
		t.Fatalf("development caches: %v", rec.Header())
	}
}

func TestChoose(t *testing.T) {
	embedded := fstest.MapFS{"index.html": {Data: []byte("embedded")}}
	work := t.TempDir()
	t.Chdir(work)
	file := filepath.Join(work, "file.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	content := func(src static.Source) string {
		b, _ := fs.ReadFile(src.Files, "index.html")
		return string(b)
	}
	// Production without a directory: the embedded files.
	src, err := static.Choose(embedded, "", false)
	if err != nil || content(src) != "embedded" || src.Dev {
		t.Fatalf("production: %+v %v", src, err)
	}
	// Development without ./pb_public: still the embedded files.
	if src, err = static.Choose(embedded, "", true); err != nil || content(src) != "embedded" {
		t.Fatalf("development without pb_public: %+v %v", src, err)
	}
	if err := os.Mkdir(static.DevDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(static.DevDir, "index.html"), []byte("disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if src, err = static.Choose(embedded, "", true); err != nil || content(src) != "disk" || !src.Dev {
		t.Fatalf("development: %+v %v", src, err)
	}
	// Production ignores ./pb_public: it serves what was built in.
	if src, err = static.Choose(embedded, "", false); err != nil || content(src) != "embedded" {
		t.Fatalf("production with pb_public: %+v %v", src, err)
	}
	// A named directory wins, and must be one.
	if src, err = static.Choose(embedded, filepath.Join(work, static.DevDir), false); err != nil || content(src) != "disk" || src.Dev {
		t.Fatalf("OPENSTREAM_PUBLIC_DIR: %+v %v", src, err)
	}
	for _, bad := range []string{filepath.Join(work, "missing"), file} {
		if _, err := static.Choose(embedded, bad, false); err == nil || !strings.Contains(err.Error(), static.EnvPublicDir) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestInject(t *testing.T) {
	org := "x</script><script>alert(1)</script>"
	tests := []struct{ name, html, want string }{
		{"before the first </head>", "<head><title>t</title></head><body></head></body>", "<head><title>t</title><script>"},
		{"at the start without </head>", "<p>bare</p>", "<script>"},
	}
	for _, tt := range tests {
		out := string(static.Inject([]byte(tt.html), static.Context{OrgName: &org}))
		if !strings.HasPrefix(out, tt.want) {
			t.Errorf("%s: %q", tt.name, out)
		}
		if strings.Count(out, "</script>") != 1 || !strings.Contains(out, `"orgName":"x\u003c/script\u003e`) {
			t.Errorf("%s: the value escapes its script: %q", tt.name, out)
		}
	}
}
