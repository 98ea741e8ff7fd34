package documents_test

import (
	"bytes"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
)

var storages = []string{"local", "s3"}

var documentKeys = []string{"branch", "category", "file", "file_type", "file_url", "id", "is_owned_by_branch", "processing_status", "tags", "title", "uploaded_at"}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestDocumentLifecycle uploads (last value wins, tags[] of the org only),
// checks file_url on each storage, lists, edits and deletes, which also
// removes the stored object.
func TestDocumentLifecycle(t *testing.T) {
	for _, storage := range storages {
		t.Run(storage, func(t *testing.T) {
			w := newWorld(t, storage)
			tag := w.create(t, collections.Tags, map[string]any{"name": "news", "organisation": w.org["aarhus"]})
			foreign := w.create(t, collections.Tags, map[string]any{"name": "theirs", "organisation": w.org["odense"]})
			cat := w.create(t, collections.Categories, map[string]any{"name": "pics", "organisation": w.org["aarhus"]})
			first, second := mediatest.PNG(), append(mediatest.PNG(), 0)
			doc := w.upload(t, "aarhus_employee", "aarhus", "first", "first.png", first,
				part{name: "title", value: "My Photo"}, part{name: "file", value: string(second), file: "My Photo.png"},
				part{name: "tags[]", value: tag.Id}, part{name: "tags[]", value: foreign.Id}, part{name: "category", value: cat.Id})
			if !reflect.DeepEqual(keys(doc), documentKeys) {
				t.Fatalf("keys %v", keys(doc))
			}
			url := doc["file_url"].(string)
			rec, err := w.app.FindRecordById(collections.Documents, id(doc))
			if err != nil {
				t.Fatal(err)
			}
			key := rec.BaseFilesPath() + "/" + rec.GetString("file")
			wantURL := "http://example.com/media/" + key
			if storage == "s3" {
				wantURL = w.s3.URL + "/" + bucket + "/" + key
			}
			if url != wantURL || doc["file"] != url || !strings.HasPrefix(rec.GetString("file"), "My_Photo-") {
				t.Fatalf("file_url %s, want %s (file %v)", url, wantURL, doc["file"])
			}
			if doc["title"] != "My Photo" || doc["file_type"] != "png" || doc["processing_status"] != "COMPLETED" ||
				doc["is_owned_by_branch"] != false || !reflect.DeepEqual(doc["tags"], []any{"news"}) {
				t.Fatalf("document %v", doc)
			}
			if status, body := w.fetch(t, url); status != http.StatusOK || !bytes.Equal(body, second) {
				t.Fatalf("file_url answered %d with %d bytes", status, len(body))
			}
			if got := w.objects(t); !reflect.DeepEqual(got, []string{key}) {
				t.Fatalf("objects %v, want %v", got, key)
			}

			list := w.do(t, "aarhus_employee", "POST", "/api/documents/list/?branch_id="+w.branch["aarhus"],
				`{"title":"photo","categories":["", "x", `+cat.Id+`],"file_types":["png"],"tags":[`+tag.Id+`,`+tag.Id+`]}`).json(t)
			results := list["results"].([]any)
			if list["count"] != 1.0 || len(results) != 1 || results[0].(map[string]any)["is_owned_by_branch"] != true {
				t.Fatalf("list %v", list)
			}
			view := w.do(t, "alice", "GET", "/api/documents/"+id(doc)+"/?title_only=true&branch_id="+w.branch["aarhus"], nil)
			if view.status != http.StatusOK || string(view.body) != `{"id":`+id(doc)+`,"title":"My Photo"}` {
				t.Fatalf("title_only %d %s", view.status, view.body)
			}

			patched := w.do(t, "aarhus_employee", "PATCH", "/api/documents/"+id(doc)+"/?branch_id="+w.branch["aarhus"],
				[]part{{name: "title", value: "Renamed"}}).json(t)
			if patched["title"] != "Renamed" || patched["category"] != nil || len(patched["tags"].([]any)) != 0 {
				t.Fatalf("patch did not clear category and tags: %v", patched)
			}

			del := w.do(t, "aarhus_employee", "DELETE", "/api/documents/"+id(doc)+"/?branch_id="+w.branch["aarhus"], nil)
			if del.status != http.StatusNoContent || w.count(t) != 0 || len(w.objects(t)) != 0 {
				t.Fatalf("delete %d: %d records, objects %v", del.status, w.count(t), w.objects(t))
			}
			if status, _ := w.fetch(t, url); status != http.StatusNotFound {
				t.Fatalf("deleted file still served: %d", status)
			}
		})
	}
}

// TestRefusedUploads leave neither a record nor a stored object.
func TestRefusedUploads(t *testing.T) {
	png := string(mediatest.PNG())
	big := png + strings.Repeat("x", 4096)
	rows := []struct {
		name   string
		parts  []part
		raw    string // a raw multipart body instead of parts
		broken bool   // the storage fails
		status int
		want   string
	}{
		{name: "no title", parts: []part{{name: "file", value: png, file: "a.png"}}, status: 400, want: `{"error":"Title and file are required"}`},
		{name: "no file", parts: []part{{name: "title", value: "t"}}, status: 400, want: `{"error":"Title and file are required"}`},
		{name: "foreign category", parts: []part{{name: "title", value: "t"}, {name: "file", value: png, file: "a.png"}, {name: "category", value: "999"}},
			status: 400, want: `{"error":"Category not found in your organisation."}`},
		{name: "extension", parts: []part{{name: "title", value: "t"}, {name: "file", value: png, file: "a.exe"}}, status: 400, want: `{"message":"Unsupported file type: .exe"}`},
		{name: "content is not a PNG", parts: []part{{name: "title", value: "t"}, {name: "file", value: "GIF89a...", file: "a.png"}},
			status: 400, want: `{"message":"The file's content is not a png file."}`},
		{name: "title too long", parts: []part{{name: "title", value: strings.Repeat("t", 256)}, {name: "file", value: png, file: "a.png"}},
			status: 400, want: `{"message":"Validation error"}`},
		{name: "file over the limit", parts: []part{{name: "title", value: "t"}, {name: "file", value: big, file: "a.png"}},
			status: 413, want: `{"message":"File too large: the limit is 0 MB."}`},
		{name: "body over the limit", parts: []part{{name: "title", value: "t"}, {name: "file", value: strings.Repeat(big, 300), file: "a.png"}},
			status: 413, want: `{"detail":"Request body is too large."}`},
		{name: "storage fails", parts: []part{{name: "title", value: "t"}, {name: "file", value: png, file: "a.png"}}, broken: true,
			status: 400, want: `{"message":"Could not store the file."}`},
		{name: "malformed multipart", raw: "--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt", status: 400},
	}
	for _, storage := range storages {
		t.Run(storage, func(t *testing.T) {
			w := newWorld(t, storage, func(c *media.Config) { c.MaxUploadSize = 2048 })
			for _, r := range rows {
				t.Run(r.name, func(t *testing.T) {
					if r.broken {
						defer w.breakStorage(t)()
					}
					url := "/api/documents/?branch_id=" + w.branch["aarhus"]
					var got response
					if r.raw != "" {
						got = w.raw(t, "POST", url, "multipart/form-data; boundary=xyz", r.raw)
					} else {
						got = w.do(t, "aarhus_employee", "POST", url, r.parts)
					}
					if got.status != r.status || (r.want != "" && string(got.body) != r.want) {
						t.Fatalf("%d %s, want %d %s", got.status, got.body, r.status, r.want)
					}
					if n, objs := w.count(t), w.objects(t); n != 0 || len(objs) != 0 {
						t.Fatalf("left %d records and objects %v", n, objs)
					}
				})
			}
		})
	}
}
