package rest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// formOf is the Form of a request with body of content type ct.
func formOf(t *testing.T, ct, body string) *Form {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	e := &core.RequestEvent{}
	e.Request, e.Response = req, httptest.NewRecorder()
	f, err := NewForm(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Required collects DRF's message for every key that is missing, null, not
// a string or blank, and returns the others as sent.
func TestFormRequired(t *testing.T) {
	for _, c := range []struct {
		name, body string
		values     map[string]string
		errs       string
	}{
		{"all there", `{"a":" x ","b":2}`, map[string]string{"a": " x ", "b": "2"}, `{}`},
		{"missing", `{"a":"x"}`, map[string]string{"a": "x"}, `{"b":["This field is required."]}`},
		{"null and blank", `{"a":null,"b":"  "}`, map[string]string{}, `{"a":["This field may not be null."],"b":["This field may not be blank."]}`},
		{"not a string", `{"a":{},"b":[1]}`, map[string]string{}, `{"a":["Not a valid string."],"b":["Not a valid string."]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := formOf(t, "application/json", c.body)
			values := f.Required("a", "b")
			errs, _ := json.Marshal(f.Errs)
			if string(errs) != c.errs || len(values) != len(c.values) {
				t.Fatalf("values %v errs %s, want %v %s", values, errs, c.values, c.errs)
			}
			for k, v := range c.values {
				if values[k] != v {
					t.Fatalf("%s: %q, want %q", k, values[k], v)
				}
			}
			if (f.Err() == nil) != (c.errs == `{}`) {
				t.Fatalf("Err %v with errors %s", f.Err(), errs)
			}
		})
	}
}

// File is the last file part of a name; Values every value of a form
// field, where Body keeps the last. A JSON body has neither.
func TestFormFilesAndValues(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range [][3]string{{"tags[]", "1", ""}, {"tags[]", "2", ""}, {"file", "one", "a.txt"}, {"file", "two", "b.txt"}} {
		if p[2] == "" {
			_ = mw.WriteField(p[0], p[1])
			continue
		}
		w, _ := mw.CreateFormFile(p[0], p[2])
		_, _ = w.Write([]byte(p[1]))
	}
	_ = mw.Close()
	for _, c := range []struct {
		name, ct, body string
		file           string
		tags           []string
		last           any
	}{
		{"multipart", mw.FormDataContentType(), buf.String(), "b.txt", []string{"1", "2"}, "2"},
		{"urlencoded", "application/x-www-form-urlencoded", "tags%5B%5D=3&tags%5B%5D=4", "", []string{"3", "4"}, "4"},
		{"json", "application/json", `{"tags[]":["5"]}`, "", nil, []any{"5"}},
		{"empty", "", "", "", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := formOf(t, c.ct, c.body)
			file := ""
			if h := f.File("file"); h != nil {
				file = h.Filename
			}
			tags, ok := f.Values("tags[]")
			if file != c.file || !slices.Equal(tags, c.tags) || ok != (c.tags != nil) {
				t.Fatalf("file %q tags %v %v, want %q %v", file, tags, ok, c.file, c.tags)
			}
			if got, want := mustJSON(f.Body["tags[]"]), mustJSON(c.last); got != want {
				t.Fatalf("Body tags[] %s, want %s", got, want)
			}
			if f.File("missing") != nil {
				t.Fatal("a missing file part")
			}
		})
	}
	if f := FormOf(nil, Body{}, nil); f.File("file") != nil {
		t.Fatal("a file without a request")
	} else if _, ok := f.Values("tags[]"); ok {
		t.Fatal("values without a request")
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
