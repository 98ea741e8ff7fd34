package documents_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/openstream-go/openstream/api/documents"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/media/mediatest"
	"github.com/openstream-go/openstream/rest"
)

// FuzzParseFilters: any JSON body gives filters of canonical ids only.
func FuzzParseFilters(f *testing.F) {
	for _, seed := range []string{`{}`, `{"categories":"3"}`, `{"categories":["", "x", 4, 4.5, null]}`,
		`{"tags":[1,1,"2"],"branches":[{"a":1}],"file_types":["png",3,"WebP"],"title":7}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var body rest.Body
		if json.Unmarshal([]byte(raw), &body) != nil {
			return
		}
		got := documents.ParseFilters(body)
		for _, list := range [][]string{got.Categories, got.Branches, got.Tags} {
			for _, id := range list {
				if n, err := strconv.ParseUint(id, 10, 64); err != nil || strconv.FormatUint(n, 10) != id {
					t.Fatalf("id %q from %s", id, raw)
				}
			}
		}
	})
}

// FuzzUploadBody: whatever the multipart body, the upload answers 201,
// 400 or 413, never 500, and a refusal stores nothing.
func FuzzUploadBody(f *testing.F) {
	w := newWorld(f, "local")
	png := string(mediatest.PNG())
	for _, seed := range []string{
		"--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + png + "\r\n--b--\r\n",
		"--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt",
		"--b--", "", "garbage",
		"--b\r\nContent-Disposition: form-data; name=\"tags[]\"\r\n\r\nx\r\n--b--\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		before := w.count(t)
		got := w.Do(t, "aarhus_employee", "POST", "/api/documents/?branch_id="+w.Branch["aarhus"], apitest.Raw{ContentType: "multipart/form-data; boundary=b", Body: body})
		switch got.Status {
		case http.StatusCreated:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if w.count(t) != before {
				t.Fatalf("refused (%d) but stored: %s", got.Status, got.Body)
			}
		default:
			t.Fatalf("%d %s", got.Status, got.Body)
		}
	})
}
