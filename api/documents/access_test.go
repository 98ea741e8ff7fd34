package documents_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
)

// TestCrossOrganisation: another organisation's document does not exist
// for every endpoint, and another organisation's branch is refused.
func TestCrossOrganisation(t *testing.T) {
	w := newWorld(t, "local")
	doc := id(w.upload(t, "aarhus_employee", "aarhus", "mine", "a.png", mediatest.PNG()))
	odense, aarhus := "?branch_id="+w.Branch["odense"], "?branch_id="+w.Branch["aarhus"]
	notFound := `{"detail":"No Document matches the given query."}`
	denied := `{"detail":"User 'olga' does not have permission to access branch_id=` + w.Branch["aarhus"] + `."}`
	edit := apitest.Multipart{{Name: "title", Value: "stolen"}}
	rows := []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"view", "GET", "/api/documents/" + doc + "/" + odense, nil, 404, notFound},
		{"edit", "PATCH", "/api/documents/" + doc + "/" + odense, edit, 404, notFound},
		{"delete", "DELETE", "/api/documents/" + doc + "/" + odense, nil, 404, notFound},
		{"base64", "GET", "/api/documents/base64/" + doc + "/" + odense, nil, 404, notFound},
		{"file-token", "GET", "/api/documents/file-token/" + doc + "/" + odense, nil, 404, notFound},
		{"list", "POST", "/api/documents/list/" + odense, `{}`, 200, ""},
		{"view via their branch", "GET", "/api/documents/" + doc + "/" + aarhus, nil, 403, denied},
		{"edit via their branch", "PATCH", "/api/documents/" + doc + "/" + aarhus, edit, 403, denied},
		{"delete via their branch", "DELETE", "/api/documents/" + doc + "/" + aarhus, nil, 403, denied},
		{"base64 via their branch", "GET", "/api/documents/base64/" + doc + "/" + aarhus, nil, 403, denied},
		{"file-token via their branch", "GET", "/api/documents/file-token/" + doc + "/" + aarhus, nil, 403, denied},
		{"list via their branch", "POST", "/api/documents/list/" + aarhus, `{}`, 403, denied},
		{"upload into their branch", "POST", "/api/documents/" + aarhus, apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: "x", File: "a.png"}}, 403, denied},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := w.Do(t, "olga", r.method, r.path, r.body)
			if got.Status != r.status || (r.want != "" && string(got.Body) != r.want) {
				t.Fatalf("%d %s, want %d %s", got.Status, got.Body, r.status, r.want)
			}
			if r.name == "list" && got.JSON(t)["count"] != 0.0 {
				t.Fatalf("list shows another organisation's documents: %s", got.Body)
			}
		})
	}
	if _, err := w.App.FindRecordById(collections.Documents, doc); err != nil {
		t.Fatalf("document gone: %v", err)
	}
}

// TestFileTokens: both modes of file-token, and the file route opened by
// the token alone.
func TestFileTokens(t *testing.T) {
	w := newWorld(t, "s3")
	content := mediatest.PNG()
	doc := w.upload(t, "aarhus_employee", "aarhus", "mine", "a.png", content)
	screen := w.Create(t, collections.DisplayWebsites, map[string]any{"name": "lobby", "branch": w.Branch["aarhus"], "aspect_ratio": "16:9"})
	key := func(org string) string {
		k, err := w.App.FindFirstRecordByData(collections.BranchAPIKeys, "branch", w.Branch[org])
		if err != nil {
			t.Fatal(err)
		}
		return "X-API-KEY: " + k.GetString("key")
	}
	path := "/api/documents/file-token/" + id(doc) + "/"
	rows := []struct {
		name, user, query string
		headers           []string
		status            int
		want              string
	}{
		{"mode A", "aarhus_employee", "?branch_id=" + w.Branch["aarhus"], nil, 200, ""},
		{"mode B with the screen's key", "", "?branch_id=&id=" + screen.Id, []string{key("aarhus")}, 200, ""},
		{"mode B with Bearer null", "", "?branch_id=&id=" + screen.Id, []string{key("aarhus"), "Authorization: Bearer null"}, 200, ""},
		{"mode B with another branch's key", "", "?id=" + screen.Id, []string{key("odense")}, 403, `{"detail":"API key not valid for this branch."}`},
		{"mode B with a bad key", "", "?id=" + screen.Id, []string{"X-API-KEY: nope"}, 403, `{"detail":"Invalid or inactive API key."}`},
		{"mode B without a key", "", "?id=" + screen.Id, nil, 401, `{"detail":"Authentication required."}`},
		{"mode B without a screen", "", "?branch_id=", []string{key("aarhus")}, 400, `{"detail":"Display website ID (param 'id') is required."}`},
		{"mode B with an unknown screen", "", "?id=999", []string{key("aarhus")}, 404, `{"detail":"No DisplayWebsite matches the given query."}`},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := w.Do(t, r.user, "GET", path+r.query, nil, r.headers...)
			if got.Status != r.status || (r.want != "" && string(got.Body) != r.want) {
				t.Fatalf("%d %s, want %d %s", got.Status, got.Body, r.status, r.want)
			}
			if r.status != 200 {
				return
			}
			m := got.JSON(t)
			if m["file_url"] != doc["file_url"] {
				t.Fatalf("file_url %v, want %v", m["file_url"], doc["file_url"])
			}
			file := w.Do(t, "", "GET", "/api/documents/file/"+id(doc)+"/?branch_id="+w.Branch["aarhus"]+"&token="+url.QueryEscape(m["token"].(string)), nil)
			if file.Status != 200 || string(file.Body) != string(content) || file.Header.Get("Content-Type") != "application/octet-stream" ||
				!strings.HasPrefix(file.Header.Get("Content-Disposition"), `inline; filename="`) {
				t.Fatalf("file route %d %v", file.Status, file.Header)
			}
		})
	}
	token := w.Do(t, "aarhus_employee", "GET", path+"?branch_id="+w.Branch["aarhus"], nil).JSON(t)["token"].(string)
	bad := []struct{ query, want string }{
		{"?branch_id=" + w.Branch["aarhus"], "Missing token or branch_id."},
		{"?branch_id=" + w.Branch["odense"] + "&token=" + url.QueryEscape(token), "Token mismatch."},
		{"?branch_id=" + w.Branch["aarhus"] + "&token=" + url.QueryEscape(token+"x"), "Invalid or expired token."},
	}
	for _, b := range bad {
		got := w.Do(t, "", "GET", "/api/documents/file/"+id(doc)+"/"+b.query, nil)
		if got.Status != 404 || string(got.Body) != `{"detail":"`+b.want+`"}` {
			t.Errorf("%s: %d %s", b.query, got.Status, got.Body)
		}
	}
}

// TestBase64 serves images as data: URLs and refuses other documents.
func TestBase64(t *testing.T) {
	w := newWorld(t, "local", func(c *media.Config) { c.Pdftoppm = "/nonexistent/pdftoppm" })
	png := w.upload(t, "aarhus_employee", "aarhus", "img", "a.png", mediatest.PNG())
	pdf := w.upload(t, "aarhus_employee", "aarhus", "doc", "a.pdf", mediatest.PDF())
	q := "/?branch_id=" + w.Branch["aarhus"]
	got := w.Do(t, "alice", "GET", "/api/documents/base64/"+id(png)+q, nil).JSON(t)
	if got["mime_type"] != "image/png" || !strings.HasPrefix(got["base64"].(string), "data:image/png;base64,iVBORw0KGgo") {
		t.Fatalf("base64 %v", got)
	}
	refused := w.Do(t, "alice", "GET", "/api/documents/base64/"+id(pdf)+q, nil)
	if refused.Status != 400 || string(refused.Body) != `{"error":"Only image documents can be fetched as base64."}` {
		t.Fatalf("pdf as base64: %d %s", refused.Status, refused.Body)
	}
}

// TestPDFPreview: PENDING, then COMPLETED with a PNG in place of the PDF,
// or FAILED with the reason when pdftoppm is missing or the page needs more
// memory than a preview may take. A monstrous page (a 330-byte PDF of
// 14400×14400 pt) gets an ordinary 1920 px preview.
func TestPDFPreview(t *testing.T) {
	huge := mediatest.PDFPage(14400, 14400)
	rows := []struct {
		name, storage, converter string
		pdf                      []byte
		size                     int // the preview's long side (0: the default)
		status, fileType, reason string
	}{
		{"local", "local", media.DefaultPdftoppm, mediatest.PDF(), 0, "COMPLETED", "png", ""},
		{"s3", "s3", media.DefaultPdftoppm, mediatest.PDF(), 0, "COMPLETED", "png", ""},
		{"no converter", "local", "/nonexistent/pdftoppm", mediatest.PDF(), 0, "FAILED", "pdf", "pdftoppm"},
		{"monstrous page", "local", media.DefaultPdftoppm, huge, 0, "COMPLETED", "png", ""},
		{"monstrous page at full size", "local", media.DefaultPdftoppm, huge, 14400, "FAILED", "pdf", "needs more memory than a preview may use (256 MB)"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			w := newWorld(t, r.storage, func(c *media.Config) {
				c.Pdftoppm, c.PreviewSize, c.PreviewMemory = r.converter, r.size, 256<<20
			})
			doc := w.upload(t, "aarhus_employee", "aarhus", "report", "Annual Report.pdf", r.pdf)
			if doc["processing_status"] != "PENDING" || doc["file_type"] != "pdf" {
				t.Fatalf("after upload %v", doc)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				rec, err := w.App.FindRecordById(collections.Documents, id(doc))
				if err != nil {
					t.Fatal(err)
				}
				if s := rec.GetString("processing_status"); s == "COMPLETED" || s == "FAILED" {
					if s != r.status || rec.GetString("file_type") != r.fileType || !strings.Contains(rec.GetString("processing_error"), r.reason) {
						t.Fatalf("status %s, type %s, reason %q", s, rec.GetString("file_type"), rec.GetString("processing_error"))
					}
					if r.status == "COMPLETED" && !strings.HasPrefix(rec.GetString("file"), "Annual_Report-") {
						t.Fatalf("preview name %q", rec.GetString("file"))
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("still processing at the deadline")
				}
				w.previews.Wait()
			}
			// The row says COMPLETED once saved; the replaced PDF is
			// deleted right after, still inside the conversion.
			w.previews.Wait()
			if objs := w.objects(t); len(objs) != 1 {
				t.Fatalf("objects %v", objs)
			}
			view := w.Do(t, "aarhus_employee", "GET", "/api/documents/"+id(doc)+"/?branch_id="+w.Branch["aarhus"], nil)
			st, body := w.fetch(t, view.JSON(t)["file_url"].(string))
			if st != http.StatusOK {
				t.Fatalf("preview not served: %d", st)
			}
			if r.status == "COMPLETED" {
				cfg, err := png.DecodeConfig(bytes.NewReader(body))
				if err != nil || max(cfg.Width, cfg.Height) != media.PreviewSize {
					t.Fatalf("preview %d×%d (%v), want %d px on the long side", cfg.Width, cfg.Height, err, media.PreviewSize)
				}
			}
		})
	}
}

// TestRoutes: the alternative upload path, and methods the views lack.
func TestRoutes(t *testing.T) {
	w := newWorld(t, "local")
	q := "?branch_id=" + w.Branch["aarhus"]
	png := string(mediatest.PNG())
	rows := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/api/documents/images/" + q, apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: png, File: "a.png"}}, 201},
		{"POST", "/api/documents/images" + q, apitest.Multipart{{Name: "title", Value: "t"}, {Name: "file", Value: png, File: "a.png"}}, 201},
		{"GET", "/api/documents/" + q, nil, 405},
		{"GET", "/api/documents/list/" + q, nil, 405},
		{"POST", "/api/documents/5/" + q, nil, 405},
		{"GET", "/api/documents/abc/" + q, nil, 404},
	}
	for _, r := range rows {
		if got := w.Do(t, "aarhus_employee", r.method, r.path, r.body); got.Status != r.status {
			t.Errorf("%s %s: %d %s, want %d", r.method, r.path, got.Status, got.Body, r.status)
		}
	}
}
