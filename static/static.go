// Package static serves the files at / (pb_public) and, when they are a
// built OpenStream frontend, its pages the way the frontend's own Express
// server did: /<org>/suborg/<id>/branch/<id>/<page> answers <page>.html with
// the page-context globals injected (docs/api.md, "Static files and pages"),
// so one process serves the whole application.
//
// The files are embedded in the binary (upstream's collectstatic and
// WhiteNoise), read from disk while developing so edits show at once, or
// taken from a directory the operator names.
package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Cache policies.
const (
	// CacheImmutable is for files whose name carries a content hash (Vite's
	// assets/name-<hash>.js): a new build gives them a new name.
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheShort is for other files: WhiteNoise's default, then revalidated.
	CacheShort = "public, max-age=60"
	// CacheRevalidate is for pages and for everything while developing.
	CacheRevalidate = "no-cache"
)

// reserved first path segments belong to the server's own routes; they are
// never taken for an organisation's uri_name.
var reserved = map[string]bool{"api": true, "_": true, "auth": true, "ws": true, "media": true, "events": true}

// orgless are the frontend's pages that are named by their path alone, with
// no organisation in front (besides /slide-types/<slug>): sign-in,
// reset-password (the link of the reset mail), select-organisation,
// connect-screen and open-screen. Any other single segment is an
// organisation, sent to its sign-in page.
var orgless = map[string]bool{"sign-in": true, "reset-password": true, "select-organisation": true, "connect-screen": true, "open-screen": true}

// hashedAsset matches a Vite build's content-hashed file name: assets/,
// then name-<8 base64url characters>.ext.
var hashedAsset = regexp.MustCompile(`^assets/.+-([A-Za-z0-9_-]{8})\.[A-Za-z0-9]+$`)

// isHashedAsset tells a hash from a word: a hash of eight base64url
// characters has a digit or a capital letter (all but 0.06% of them do),
// "assets/slide-template.css" has none.
func isHashedAsset(file string) bool {
	m := hashedAsset.FindStringSubmatch(file)
	return m != nil && strings.ContainsAny(m[1], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

// Site is a tree of static files being served.
type Site struct {
	files fs.FS
	// dev marks files that change while serving: every answer is
	// revalidated, and pages and assets are read anew each time.
	dev bool
	// etags caches content hashes of files without a modification time
	// (embedded ones), which never change while the process runs.
	etags sync.Map
	// gzips caches compressed copies (gzip.go).
	gzips sync.Map
}

// New serves files; dev says they are being edited (see Site.dev).
func New(files fs.FS, dev bool) *Site {
	return &Site{files: files, dev: dev}
}

// EnvPublicDir names a directory to serve instead of the embedded files.
const EnvPublicDir = "OPENSTREAM_PUBLIC_DIR"

// Register serves, when app serves, the files Choose picks from embedded
// and dir, at / below every other route. A dir that is no directory stops
// serve with the reason.
func Register(app core.App, embedded fs.FS, dir string) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		src, err := Choose(embedded, dir, app.IsDev())
		if err != nil {
			return err
		}
		app.Logger().Info("Static files at /", "source", src.Describe)
		site := New(src.Files, src.Dev)
		// Any method: "GET /{path...}" would conflict with the method-less
		// "/api/{path...}" 404 of the REST API in Go's ServeMux.
		se.Router.Any("/{path...}", site.Serve).Bind(apis.SkipSuccessActivityLog())
		return se.Next()
	})
}

// Context is what the frontend's pages read from window.OPENSTREAM_CONTEXT.
type Context struct {
	OrgName *string `json:"orgName"`
	SubOrg  *string `json:"subOrg"`
	Branch  *string `json:"branch"`
}

// Serve answers one request: a file, a page, the sign-in redirect of a bare
// organisation, or PocketBase's JSON 404.
func (s *Site) Serve(e *core.RequestEvent) error {
	segments, ok := splitPath(e.Request.URL.EscapedPath())
	if !ok {
		return router.ErrFileNotFound
	}
	name := strings.Join(segments, "/")
	trailingSlash := strings.HasSuffix(e.Request.URL.Path, "/")

	target, page, err := s.resolve(segments, name, trailingSlash)
	if err != nil {
		return err
	}
	if e.Request.Method != http.MethodGet && e.Request.Method != http.MethodHead {
		e.Response.Header().Set("Allow", "GET, HEAD")
		return e.Error(http.StatusMethodNotAllowed, "Method not allowed.", nil)
	}
	switch {
	case target.redirect != "":
		if q := e.Request.URL.RawQuery; q != "" {
			target.redirect += "?" + q
		}
		return e.Redirect(target.status, target.redirect)
	case page != nil:
		return s.servePage(e, target.file, *page)
	default:
		return s.serveFile(e, target.file)
	}
}

type resolved struct {
	file     string
	redirect string
	status   int
}

// resolve maps a request path to what answers it. page is non-nil when the
// file is an HTML page served with an injected context.
func (s *Site) resolve(segments []string, name string, trailingSlash bool) (resolved, *Context, error) {
	if name == "" {
		name = "."
	}
	if info, err := fs.Stat(s.files, name); err == nil {
		if !info.IsDir() {
			return resolved{file: name}, nil, nil
		}
		index := path.Join(name, "index.html")
		if !s.isFile(index) {
			return resolved{}, nil, router.ErrFileNotFound
		}
		if !trailingSlash && name != "." {
			return resolved{redirect: "/" + escapePath(segments) + "/", status: http.StatusMovedPermanently}, nil, nil
		}
		return resolved{file: index}, nil, nil
	}
	if len(segments) == 0 || strings.Contains(segments[len(segments)-1], ".") {
		return resolved{}, nil, router.ErrFileNotFound
	}
	frontend := s.isFile("sign-in.html")
	if len(segments) == 1 && frontend && !reserved[segments[0]] && !orgless[segments[0]] {
		// A bare organisation goes to its sign-in page, as the frontend's
		// own server did; so does a page path without an organisation
		// (/manage-wayfinding-systems), which would load without one.
		return resolved{redirect: "/" + escapePath(segments) + "/sign-in", status: http.StatusFound}, nil, nil
	}
	// A page named by its path: /sign-in, /connect-screen, /slide-types/<slug>.
	if s.isFile(name + ".html") {
		return resolved{file: name + ".html"}, &Context{}, nil
	}
	if reserved[segments[0]] || !frontend {
		// Without a frontend there are no organisation pages.
		return resolved{}, nil, router.ErrFileNotFound
	}
	ctx, page, ok := ParsePagePath(segments)
	if !ok || !s.isFile(page+".html") {
		return resolved{}, nil, router.ErrFileNotFound
	}
	return resolved{file: page + ".html"}, &ctx, nil
}

// ParsePagePath reads /<org>[/suborg/<id>][/branch/<id>]/<page> (segments
// already unescaped): the organisation's uri_name, then key and value pairs
// in any order, then the page, which has no dot.
func ParsePagePath(segments []string) (ctx Context, page string, ok bool) {
	if len(segments) < 2 || len(segments)%2 != 0 {
		return Context{}, "", false
	}
	page = segments[len(segments)-1]
	if segments[0] == "" || page == "" || strings.Contains(page, ".") {
		return Context{}, "", false
	}
	org := segments[0]
	ctx.OrgName = &org
	pairs := segments[1 : len(segments)-1]
	for i := 0; i < len(pairs); i += 2 {
		value := pairs[i+1]
		if value == "" || strings.Contains(value, ".") {
			return Context{}, "", false
		}
		switch strings.ToLower(pairs[i]) {
		case "suborg":
			ctx.SubOrg = &value
		case "branch":
			ctx.Branch = &value
		default:
			return Context{}, "", false
		}
	}
	return ctx, page, true
}

func (s *Site) servePage(e *core.RequestEvent, file string, ctx Context) error {
	html, err := fs.ReadFile(s.files, file)
	if err != nil {
		return router.ErrFileNotFound
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", CacheRevalidate)
	h.Set("X-Content-Type-Options", "nosniff")
	return e.HTML(http.StatusOK, string(Inject(html, ctx)))
}

func (s *Site) serveFile(e *core.RequestEvent, file string) error {
	f, err := s.files.Open(file)
	if err != nil {
		return router.ErrFileNotFound
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return router.ErrFileNotFound
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		// fs.FS files need not seek; read the whole file instead.
		data, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		content = bytes.NewReader(data)
	}
	h := e.Response.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", s.cachePolicy(file))
	modTime := info.ModTime()
	tag := ""
	if modTime.IsZero() {
		// Embedded files have no time; their hash stands in.
		if tag, err = s.etag(file, content); err != nil {
			return err
		}
		h.Set("ETag", tag)
	}
	if err := setContentType(h, file, content); err != nil {
		return err
	}
	if worthGzip(file, info.Size()) {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(e.Request) {
			gz, err := s.gzipCopy(file, info, content)
			if err != nil {
				return err
			}
			if gz != nil {
				h.Set("Content-Encoding", "gzip")
				if tag != "" {
					// Another representation, another tag.
					h.Set("ETag", strings.TrimSuffix(tag, `"`)+`-gzip"`)
				}
				content = bytes.NewReader(gz)
			}
		}
	}
	http.ServeContent(e.Response, e.Request, path.Base(file), modTime, content)
	return nil
}

func (s *Site) cachePolicy(file string) string {
	switch {
	case s.dev, strings.HasSuffix(file, ".html"):
		return CacheRevalidate
	case isHashedAsset(file):
		return CacheImmutable
	default:
		return CacheShort
	}
}

// etag is the quoted content hash of file, computed once.
func (s *Site) etag(file string, content io.ReadSeeker) (string, error) {
	if tag, ok := s.etags.Load(file); ok {
		return tag.(string), nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:18]) + `"`
	s.etags.Store(file, tag)
	return tag, nil
}

func (s *Site) isFile(name string) bool {
	info, err := fs.Stat(s.files, name)
	return err == nil && !info.IsDir()
}

// splitPath unescapes each segment of an escaped URL path on its own, so an
// encoded slash stays inside its segment (as decodeURIComponent per segment
// does in the frontend's server). Empty segments are dropped; dot segments,
// backslashes and NULs are refused.
func splitPath(escaped string) ([]string, bool) {
	var segments []string
	for _, raw := range strings.Split(escaped, "/") {
		if raw == "" {
			continue
		}
		seg, err := url.PathUnescape(raw)
		if err != nil || seg == "." || seg == ".." || strings.ContainsAny(seg, "/\\\x00") {
			return nil, false
		}
		segments = append(segments, seg)
	}
	return segments, true
}

func escapePath(segments []string) string {
	escaped := make([]string, len(segments))
	for i, s := range segments {
		escaped[i] = url.PathEscape(s)
	}
	return strings.Join(escaped, "/")
}
