package documents_test

import (
	"bytes"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
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
			tag := w.Create(t, collections.Tags, map[string]any{"name": "news", "organisation": w.Org["aarhus"]})
			foreign := w.Create(t, collections.Tags, map[string]any{"name": "theirs", "organisation": w.Org["odense"]})
			cat := w.Create(t, collections.Categories, map[string]any{"name": "pics", "organisation": w.Org["aarhus"]})
			first, second := mediatest.PNG(), append(mediatest.PNG(), 0)
			doc := w.upload(t, "aarhus_employee", "aarhus", "first", "first.png", first,
				apitest.Part{Name: "title", Value: "My Photo"}, apitest.Part{Name: "file", Value: string(second), File: "My Photo.png"},
				apitest.Part{Name: "tags[]", Value: tag.Id}, apitest.Part{Name: "tags[]", Value: foreign.Id}, apitest.Part{Name: "category", Value: cat.Id})
			if !reflect.DeepEqual(keys(doc), documentKeys) {
				t.Fatalf("keys %v", keys(doc))
			}
			url := doc["file_url"].(string)
			rec, err := w.App.FindRecordById(collections.Documents, id(doc))
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

			list := w.Do(t, "aarhus_employee", "POST", "/api/documents/list/?branch_id="+w.Branch["aarhus"],
				`{"title":"photo","categories":["", "x", `+cat.Id+`],"file_types":["png"],"tags":[`+tag.Id+`,`+tag.Id+`]}`).JSON(t)
			results := list["results"].([]any)
			if list["count"] != 1.0 || len(results) != 1 || results[0].(map[string]any)["is_owned_by_branch"] != true {
				t.Fatalf("list %v", list)
			}
			view := w.Do(t, "alice", "GET", "/api/documents/"+id(doc)+"/?title_only=true&branch_id="+w.Branch["aarhus"], nil)
			if view.Status != http.StatusOK || string(view.Body) != `{"id":`+id(doc)+`,"title":"My Photo"}` {
				t.Fatalf("title_only %d %s", view.Status, view.Body)
			}

			patched := w.Do(t, "aarhus_employee", "PATCH", "/api/documents/"+id(doc)+"/?branch_id="+w.Branch["aarhus"],
				apitest.Multipart{{Name: "title", Value: "Renamed"}}).JSON(t)
			if patched["title"] != "Renamed" || patched["category"] != nil || len(patched["tags"].([]any)) != 0 {
				t.Fatalf("patch did not clear category and tags: %v", patched)
			}

			del := w.Do(t, "aarhus_employee", "DELETE", "/api/documents/"+id(doc)+"/?branch_id="+w.Branch["aarhus"], nil)
			if del.Status != http.StatusNoContent || w.count(t) != 0 || len(w.objects(t)) != 0 {
				t.Fatalf("delete %d: %d records, objects %v", del.Status, w.count(t), w.objects(t))
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
		parts  apitest.Multipart
		raw    string // a raw multipart body instead of parts
		broken bool   // the storage fails
		status int
		want   string
	}{
		{name: "no title", parts: apitest.Multipart{{Name: "file", Value: png, File: "a.png"}}, status: 400, want: `{"error":"Title and file are required"}`},
		{name: "no file", parts: apitest.Multipart{{Name: "title", Value: "t"}}, status: 400, want: `{"error":"Title and file are required"}`},
		{name: "foreign category", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: png, File: "a.png"}, {Name: "category", Value: "999"}},
			status: 400, want: `{"error":"Category not found in your organisation."}`},
		{name: "extension", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: png, File: "a.exe"}}, status: 400, want: `{"message":"Unsupported file type: .exe"}`},
		{name: "content is not a PNG", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: "GIF89a...", File: "a.png"}},
			status: 400, want: `{"message":"The file's content is not a png file."}`},
		{name: "title too long", parts: apitest.Multipart{{Name: "title", Value: strings.Repeat("t", 256)}, {Name: "file", Value: png, File: "a.png"}},
			status: 400, want: `{"message":"Validation error"}`},
		{name: "file over the limit", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: big, File: "a.png"}},
			status: 413, want: `{"message":"File too large: the limit is 0 MB."}`},
		{name: "body over the limit", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: strings.Repeat(big, 300), File: "a.png"}},
			status: 413, want: `{"detail":"Request body is too large."}`},
		{name: "storage fails", parts: apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: png, File: "a.png"}}, broken: true,
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
					url := "/api/documents/?branch_id=" + w.Branch["aarhus"]
					var got apitest.Response
					if r.raw != "" {
						got = w.Do(t, "aarhus_employee", "POST", url, apitest.Raw{ContentType: "multipart/form-data; boundary=xyz", Body: r.raw})
					} else {
						got = w.Do(t, "aarhus_employee", "POST", url, r.parts)
					}
					if got.Status != r.status || (r.want != "" && string(got.Body) != r.want) {
						t.Fatalf("%d %s, want %d %s", got.Status, got.Body, r.status, r.want)
					}
					if n, objs := w.count(t), w.objects(t); n != 0 || len(objs) != 0 {
						t.Fatalf("left %d records and objects %v", n, objs)
					}
				})
			}
		})
	}
}
