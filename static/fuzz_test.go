package static

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzResolve: any escaped request path resolves without a panic to a file
// of the tree, a same-site redirect, or a miss; an injected page's context
// never carries a value with a slash or a dot where the path rules refuse one.
//
//	go test -fuzz FuzzResolve -fuzztime 60s ./static/
func FuzzResolve(f *testing.F) {
	files := fstest.MapFS{
		"index.html":              {Data: []byte("<head></head>")},
		"sign-in.html":            {Data: []byte("<head></head>")},
		"manage-content.html":     {Data: []byte("<head></head>")},
		"slide-types/clock.html":  {Data: []byte("x")},
		"assets/main-Dx3kP9aQ.js": {Data: []byte("x")},
		"docs/index.html":         {Data: []byte("x")},
	}
	site := New(files, false)
	for _, seed := range []string{"/", "/aarhus", "/aarhus/suborg/3/branch/7/manage-content", "/%C3%B8/manage-content",
		"/a%2Fb/x", "/%2e%2e/etc", "/docs", "/docs/", "/assets/main-Dx3kP9aQ.js", "//x//sign-in/", "/%zz", "/api/x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		segments, ok := splitPath(escaped)
		if !ok {
			return
		}
		target, ctx, err := site.resolve(segments, strings.Join(segments, "/"), strings.HasSuffix(escaped, "/"))
		switch {
		case err != nil:
			if target != (resolved{}) || ctx != nil {
				t.Fatalf("%q: a miss with a target %+v", escaped, target)
			}
		case target.redirect != "":
			if !strings.HasPrefix(target.redirect, "/") || strings.HasPrefix(target.redirect, "//") || strings.Contains(target.redirect, "\\") {
				t.Fatalf("%q: redirect to %q leaves the site", escaped, target.redirect)
			}
		default:
			if info, err := fs.Stat(files, target.file); err != nil || info.IsDir() {
				t.Fatalf("%q: resolved to %q, not a file of the tree", escaped, target.file)
			}
			if ctx != nil {
				for _, v := range []*string{ctx.SubOrg, ctx.Branch} {
					if v != nil && (*v == "" || strings.Contains(*v, ".")) {
						t.Fatalf("%q: context value %q", escaped, *v)
					}
				}
				_ = Inject([]byte("<head></head>"), *ctx)
			}
		}
	})
}
