package static_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkServe measures the static handler behind the app's router:
//
//	go test -run XXX -bench Serve -benchmem ./static/
func BenchmarkServe(b *testing.B) {
	files := fstest.MapFS{}
	err := filepath.WalkDir(frontend, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[strings.TrimPrefix(filepath.ToSlash(path), frontend+"/")] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	files["assets/bundle-Ab12Cd34.js"] = &fstest.MapFile{Data: []byte(strings.Repeat("export const line = 'of a bundle';\n", 3000))}
	h := serve(b, files, "")
	for _, bm := range []struct{ name, path, accept string }{
		{"page with context", "/aarhus/suborg/3/branch/7/manage-content", ""},
		{"asset 100 KB", "/assets/bundle-Ab12Cd34.js", ""},
		{"asset 100 KB gzip", "/assets/bundle-Ab12Cd34.js", "gzip"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if rec := get(h, http.MethodGet, bm.path, "Accept-Encoding", bm.accept); rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
