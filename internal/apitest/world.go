package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/internal/testapp"
)

// World is a served app with the Tenants: the scenario the API tests send
// their requests to.
type World struct {
	App     *tests.TestApp
	Handler http.Handler
	Tenants
}

// NewWorld is a migrated app in which mount registers the handlers under
// test, then the Tenants, served through PocketBase's router.
func NewWorld(t testing.TB, mount func(app *tests.TestApp)) *World {
	t.Helper()
	app := testapp.New(t)
	mount(app)
	w := &World{App: app, Tenants: NewTenants(t, app)}
	w.Handler = testapp.Handler(t, app)
	return w
}

// Mount is NewWorld's mount for a handler package's Mount(router, cfg).
func Mount[C any](mount func(*router.Router[*core.RequestEvent], C), cfg C) func(*tests.TestApp) {
	return func(app *tests.TestApp) {
		app.OnServe().BindFunc(func(se *core.ServeEvent) error {
			mount(se.Router, cfg)
			return se.Next()
		})
	}
}

// Response is a recorded answer: Status, Header, Body and JSON.
type Response = testapp.Response

// Raw is a body sent as it is, with its own Content-Type.
type Raw struct{ ContentType, Body string }

// Part is one part of a Multipart body: a field, or a file when File (its
// file name) is set; Value is the field's value or the file's content.
type Part struct{ Name, Value, File string }

// Multipart is a multipart/form-data body, its parts in order.
type Multipart []Part

// Encode is the body and its Content-Type.
func (m Multipart) Encode(t testing.TB) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range m {
		var err error
		if p.File == "" {
			err = mw.WriteField(p.Name, p.Value)
		} else {
			var pw io.Writer
			if pw, err = mw.CreateFormFile(p.Name, p.File); err == nil {
				_, err = pw.Write([]byte(p.Value))
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

// Do sends a request as user ("" is anonymous) with extra "Name: value"
// headers, the body as Send's.
func (w *World) Do(t testing.TB, user, method, url string, body any, headers ...string) Response {
	t.Helper()
	if user != "" {
		headers = append([]string{"Authorization: " + Bearer(t, w.App, w.Users[user].Id)}, headers...)
	}
	return Send(t, w.Handler, method, url, body, headers...)
}

// Send serves one request with h, with headers given as "Name: value". The
// body is nil (none), a string or []byte (JSON as written), Raw,
// Multipart, or anything else (encoded as JSON).
func Send(t testing.TB, h http.Handler, method, url string, body any, headers ...string) Response {
	t.Helper()
	var reader io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		reader, ct = strings.NewReader(b), "application/json"
	case []byte:
		reader, ct = bytes.NewReader(b), "application/json"
	case Raw:
		reader, ct = strings.NewReader(b.Body), b.ContentType
	case Multipart:
		reader, ct = b.Encode(t)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader, ct = bytes.NewReader(raw), "application/json"
	}
	req := httptest.NewRequest(method, url, reader)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Row is one request of a table test and what must come back: the exact
// body (Want), or the exact keys of the object, or of every element of
// the array (Keys).
type Row struct {
	Name         string
	User         string
	Method, Path string
	Body         any
	Headers      []string
	Status       int
	Want         string
	Keys         []string
}

// Run sends each row as a subtest and checks its answer.
func (w *World) Run(t *testing.T, rows []Row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			got := w.Do(t, r.User, r.Method, r.Path, r.Body, r.Headers...)
			Check(t, got, r.Status, r.Want, r.Keys...)
		})
	}
}

// Record is the stored record of collection with id.
func (w *World) Record(t testing.TB, collection, id string) *core.Record {
	t.Helper()
	r, err := w.App.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Count is the number of records in collection.
func (w *World) Count(t testing.TB, collection string) int {
	t.Helper()
	n, err := w.App.CountRecords(collection)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Create saves a record with the collection's defaults and data.
func (w *World) Create(t testing.TB, collection string, data map[string]any) *core.Record {
	t.Helper()
	return Create(t, w.App, collection, data)
}
