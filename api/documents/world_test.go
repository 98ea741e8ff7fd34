package documents_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api/documents"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
	"github.com/openstream-go/openstream/settings"
)

const bucket = "infoscreen"

// world is apitest's served app with the documents' routes on one storage
// ("local" or "s3", a gofakes3 server on loopback).
type world struct {
	*apitest.World
	s3       *mediatest.Server // nil for local storage
	cfg      media.Config
	previews *media.Previewer
}

func newWorld(t testing.TB, storage string, tune ...func(*media.Config)) *world {
	t.Helper()
	w := &world{cfg: media.ConfigFromEnv(func(string) string { return "" })}
	w.World = apitest.NewWorld(t, func(app *tests.TestApp) {
		if storage == "s3" {
			w.s3 = mediatest.Start(t)
			w.cfg = w.s3.Config(bucket)
			media.Apply(app, w.cfg) // bootstrap has run; Register's serve hook makes the bucket
			media.Register(app, w.cfg)
		}
		for _, fn := range tune {
			fn(&w.cfg)
		}
		w.previews = media.NewPreviewer(w.cfg)
		t.Cleanup(w.previews.Wait) // before the app is removed
		cfg := documents.Config{Settings: settings.FromEnv(func(string) string { return "" }), Media: w.cfg, Previews: w.previews}
		apitest.Mount(documents.Mount, cfg)(app)
	})
	return w
}

// objects lists the stored file keys of the documents collection.
func (w *world) objects(t testing.TB) []string {
	t.Helper()
	docs, err := w.App.FindCollectionByNameOrId(collections.Documents)
	if err != nil {
		t.Fatal(err)
	}
	if w.s3 != nil {
		keys := []string{}
		for _, k := range w.s3.Keys(t, bucket) {
			if strings.HasPrefix(k, docs.Id+"/") {
				keys = append(keys, k)
			}
		}
		return keys
	}
	root := filepath.Join(w.App.DataDir(), "storage")
	keys := []string{}
	err = filepath.Walk(filepath.Join(root, docs.Id), func(p string, info os.FileInfo, err error) error {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if err == nil && !info.IsDir() && strings.Count(rel, "/") == 2 && !strings.HasSuffix(rel, ".attrs") { // collection/record/name
			keys = append(keys, rel)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return keys
}

// count is the number of documents.
func (w *world) count(t testing.TB) int {
	t.Helper()
	return w.Count(t, collections.Documents)
}

// upload stores a document through the API and returns its JSON.
func (w *world) upload(t testing.TB, user, org, title, filename string, content []byte, extra ...apitest.Part) map[string]any {
	t.Helper()
	parts := append(apitest.Multipart{{Name: "title", Value: title}, {Name: "file", Value: string(content), File: filename}}, extra...)
	got := w.Do(t, user, "POST", "/api/documents/?branch_id="+w.Branch[org], parts)
	if got.Status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", filename, got.Status, got.Body)
	}
	return got.JSON(t)
}

// fetch GETs an absolute file URL: from the S3 server anonymously, or
// from the app for local storage.
func (w *world) fetch(t testing.TB, url string) (int, []byte) {
	t.Helper()
	if w.s3 != nil {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	got := w.Do(t, "", "GET", url, nil)
	return got.Status, got.Body
}

func id(m map[string]any) string { return strconv.FormatInt(int64(m["id"].(float64)), 10) }

// breakStorage makes writing documents' files fail until the returned
// function runs: S3 answers 500; locally a plain file sits where the
// collection's directory must be created.
func (w *world) breakStorage(t testing.TB) func() {
	t.Helper()
	if w.s3 != nil {
		w.s3.FailWrites.Store(true)
		return func() { w.s3.FailWrites.Store(false) }
	}
	docs, err := w.App.FindCollectionByNameOrId(collections.Documents)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(w.App.DataDir(), "storage", docs.Id)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() { _ = os.Remove(dir) }
}
