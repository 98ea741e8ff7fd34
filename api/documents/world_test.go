package documents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/api/documents"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
	"github.com/openstream-go/openstream/settings"
)

const bucket = "infoscreen"

// world is a served app on one storage ("local" or "s3", a gofakes3 server
// on loopback) with organisations aarhus and odense (each with its Demo
// Branch and the users of apitest.Tenants).
type world struct {
	app      *tests.TestApp
	h        http.Handler
	s3       *mediatest.Server // nil for local storage
	cfg      media.Config
	previews *media.Previewer
	branch   map[string]string
	org      map[string]string
	users    map[string]*core.Record
}

func newWorld(t testing.TB, storage string, tune ...func(*media.Config)) *world {
	t.Helper()
	app := testapp.New(t)
	tn := apitest.NewTenants(t, app)
	w := &world{app: app, branch: tn.Branch, org: tn.Org, users: tn.Users}
	w.cfg = media.ConfigFromEnv(func(string) string { return "" })
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
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		documents.Mount(se.Router, cfg)
		return se.Next()
	})
	w.h = testapp.Handler(t, app)
	return w
}

func (w *world) create(t testing.TB, collection string, data map[string]any) *core.Record {
	t.Helper()
	return apitest.Create(t, w.app, collection, data)
}

// objects lists the stored file keys of the documents collection.
func (w *world) objects(t testing.TB) []string {
	t.Helper()
	docs, err := w.app.FindCollectionByNameOrId(collections.Documents)
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
	root := filepath.Join(w.app.DataDir(), "storage")
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

func (w *world) count(t testing.TB) int {
	t.Helper()
	n, err := w.app.CountRecords(collections.Documents)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// part is one multipart part: a field (file == "") or a file.
type part struct{ name, value, file string }

func form(t testing.TB, parts ...part) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		if p.file == "" {
			err = mw.WriteField(p.name, p.value)
		} else {
			var pw io.Writer
			if pw, err = mw.CreateFormFile(p.name, p.file); err == nil {
				_, err = pw.Write([]byte(p.value))
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// do sends body (a []part as multipart, a string as raw JSON, an
// io.Reader with contentType) as user ("" is anonymous).
func (w *world) do(t testing.TB, user, method, url string, body any, headers ...string) response {
	t.Helper()
	var reader io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []part:
		reader, ct = form(t, b...)
	case string:
		reader, ct = strings.NewReader(b), "application/json"
	}
	req := httptest.NewRequest(method, url, reader)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if user != "" {
		req.Header.Set("Authorization", apitest.Bearer(t, w.app, w.users[user].Id))
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// upload stores a document through the API and returns its JSON.
func (w *world) upload(t testing.TB, user, org, title, filename string, content []byte, extra ...part) map[string]any {
	t.Helper()
	parts := append([]part{{name: "title", value: title}, {name: "file", value: string(content), file: filename}}, extra...)
	got := w.do(t, user, "POST", "/api/documents/?branch_id="+w.branch[org], parts)
	if got.status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", filename, got.status, got.body)
	}
	return got.json(t)
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
	got := w.do(t, "", "GET", url, nil)
	return got.status, got.body
}

func id(m map[string]any) string { return strconv.FormatInt(int64(m["id"].(float64)), 10) }

// raw sends a body as it is, as aarhus_employee.
func (w *world) raw(t testing.TB, method, url, contentType, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", apitest.Bearer(t, w.app, w.users["aarhus_employee"].Id))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// breakStorage makes writing documents' files fail until the returned
// function runs: S3 answers 500; locally a plain file sits where the
// collection's directory must be created.
func (w *world) breakStorage(t testing.TB) func() {
	t.Helper()
	if w.s3 != nil {
		w.s3.FailWrites.Store(true)
		return func() { w.s3.FailWrites.Store(false) }
	}
	docs, err := w.app.FindCollectionByNameOrId(collections.Documents)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(w.app.DataDir(), "storage", docs.Id)
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
