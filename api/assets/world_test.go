package assets_test

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

	"github.com/openstream-go/openstream/api/assets"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
)

// world is a served app with organisations aarhus and odense (each with
// its provisioned Demo Suborg, Demo Branch, suborg admin and employee),
// alice (org_admin aarhus), ulla (org_user aarhus), olga (org_admin
// odense) and sam (super_admin).
type world struct {
	app                 *tests.TestApp
	h                   http.Handler
	org, suborg, branch map[string]string
	users               map[string]*core.Record
}

func newWorld(t testing.TB) *world {
	t.Helper()
	app := testapp.New(t)
	cfg := assets.Config{Settings: settings.FromEnv(func(string) string { return "" })}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		assets.Mount(se.Router, cfg)
		return se.Next()
	})
	tn := apitest.NewTenants(t, app)
	w := &world{app: app, org: tn.Org, suborg: tn.Suborg, branch: tn.Branch, users: tn.Users}
	w.h = testapp.Handler(t, app)
	return w
}

// create saves a record with the collection's defaults and data.
func (w *world) create(t testing.TB, collection string, data map[string]any) *core.Record {
	t.Helper()
	return apitest.Create(t, w.app, collection, data)
}

func (w *world) record(t testing.TB, collection, id string) *core.Record {
	t.Helper()
	r, err := w.app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) count(t testing.TB, collection string) int {
	t.Helper()
	n, err := w.app.CountRecords(collection)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// multipartBody is a multipart form; files maps a part name to
// {filename, content}.
type multipartBody struct {
	fields map[string]string
	files  map[string][2]string
}

func (m multipartBody) encode(t testing.TB) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range m.fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, f := range m.files {
		part, err := mw.CreateFormFile(k, f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write([]byte(f[1])); err != nil {
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

// do sends body (a string as raw JSON, a multipartBody as multipart, else
// encoded JSON) as user ("" is anonymous), with extra "Name: value" headers.
func (w *world) do(t testing.TB, user, method, url string, body any, headers ...string) response {
	t.Helper()
	var reader io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		reader, ct = strings.NewReader(b), "application/json"
	case multipartBody:
		reader, ct = b.encode(t)
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

// row is one request and what must come back: the exact body (want), or
// the exact keys of the object, or of every element of the array (keys).
type row struct {
	name         string
	user         string
	method, path string
	body         any
	headers      []string
	status       int
	want         string
	keys         []string
}

func (w *world) run(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := w.do(t, r.user, r.method, r.path, r.body, r.headers...)
			check(t, got, r.status, r.want, r.keys...)
		})
	}
}

// check compares status, the exact JSON body when want is set, and the
// key set of the object (or of each array element) when keys are given.
func check(t testing.TB, got response, status int, want string, keys ...string) {
	t.Helper()
	apitest.Check(t, got.status, got.header, got.body, status, want, keys...)
}

func decode[T any](t testing.TB, got response) T {
	t.Helper()
	return apitest.Decode[T](t, got.body)
}
