package documents

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/rest"
)

// filesPerRequest bounds the body of an upload: the frontend's multi-file
// upload resends every earlier file with each new one, and only the last one
// counts against MaxUploadSize.
const filesPerRequest = 10

// formSlack is room for the form's text fields in an upload's body.
const formSlack = 1 << 20

func msg(status int, text string) error { return rest.Keyed(status, "message", text) }

func errMissing() error {
	return rest.Keyed(http.StatusBadRequest, "error", "Title and file are required")
}

// upload is POST /api/documents/ (and /api/documents/images/).
func (h *handlers) upload(e *core.RequestEvent) error {
	limit := h.cfg.Media.MaxUploadSize
	_, branch, err := userBranch(e, limit*filesPerRequest+formSlack)
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	org, err := orgOf(e.App, branch.Id)
	if err != nil {
		return err
	}
	title, _ := f.Body.String("title")
	title = strings.TrimSpace(title)
	header := f.File("file")
	if title == "" || header == nil {
		return errMissing()
	}
	category, err := orgCategory(e.App, f.Body, org)
	if err != nil {
		return err
	}
	fileType, err := media.FileType(header.Filename)
	if err != nil {
		return msg(http.StatusBadRequest, err.Error())
	}
	if header.Size > limit {
		return msg(http.StatusRequestEntityTooLarge, fmt.Sprintf("File too large: the limit is %d MB.", limit>>20))
	}
	if len([]rune(title)) > 255 {
		return msg(http.StatusBadRequest, "Validation error")
	}
	file, err := inspected(header, fileType)
	if err != nil {
		return err
	}
	doc, err := collections.NewRecord(e.App, collections.Documents)
	if err != nil {
		return err
	}
	status := "COMPLETED"
	if fileType == "pdf" {
		status = "PENDING"
	}
	doc.Load(map[string]any{
		"title": title, "file": file, "file_type": fileType, "processing_status": status,
		"category": category, "tags": orgTags(e.App, f, org), "branch": branch.Id,
	})
	if err := h.save(e, doc); err != nil {
		return err
	}
	if fileType == "pdf" {
		h.cfg.Previews.Start(e.App, doc.Id)
	}
	out, err := h.document(e, h.shaper(e), doc, "")
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, out)
}

// inspected checks the content and names the file upstream's way.
func inspected(header *multipart.FileHeader, fileType string) (*filesystem.File, error) {
	f, err := header.Open()
	if err != nil {
		return nil, err
	}
	hash, err := media.Inspect(f, fileType)
	f.Close()
	if errors.Is(err, media.ErrMismatch) {
		return nil, msg(http.StatusBadRequest, "The file's content is not a "+fileType+" file.")
	}
	if err != nil {
		return nil, err
	}
	file, err := filesystem.NewFileFromMultipart(header)
	if err != nil {
		return nil, err
	}
	file.Name = media.StorageName(header.Filename, hash)
	return file, nil
}

// save stores doc (and its file, which PocketBase removes again when the
// record cannot be written). A storage failure is upstream's 400 message,
// without the storage's internals.
func (h *handlers) save(e *core.RequestEvent, doc *core.Record) error {
	err := e.App.Save(doc)
	var verrs validation.Errors
	switch {
	case err == nil:
		return nil
	case errors.As(err, &verrs):
		return msg(http.StatusBadRequest, "Validation error")
	}
	e.App.Logger().Error("document upload", "error", err)
	return msg(http.StatusBadRequest, "Could not store the file.")
}

// orgCategory is the optional category id, which must be the organisation's.
func orgCategory(app core.App, body rest.Body, org string) (string, error) {
	raw, _ := body.String("category")
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	id, ok := collections.ParseID(strings.TrimSpace(raw))
	if ok {
		if c, err := app.FindRecordById(collections.Categories, id); err == nil && c.GetString("organisation") == org {
			return id, nil
		}
	}
	return "", rest.Keyed(http.StatusBadRequest, "error", "Category not found in your organisation.")
}

// orgTags are the tags[] ids (every value, not just the last) that are
// tags of the organisation; others are dropped silently, as upstream did.
func orgTags(app core.App, f *rest.Form, org string) []string {
	var raw []string
	if vs, ok := f.Values("tags[]"); ok {
		raw = vs
	} else {
		for _, key := range []string{"tags[]", "tags"} {
			for _, v := range list(f.Body[key]) {
				if s, ok := (rest.Body{"v": v}).String("v"); ok {
					raw = append(raw, s)
				}
			}
		}
	}
	out := []string{}
	for _, id := range ids(anys(raw)) {
		t, err := app.FindRecordById(collections.Tags, id)
		if err == nil && t.GetString("organisation") == org && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// patch is PATCH /api/documents/<id>/: title, and category and tags, which a
// missing field clears, as the frontend expects. The file cannot be replaced.
func (h *handlers) patch(e *core.RequestEvent) error {
	_, branch, err := userBranch(e, apis.DefaultMaxBodySize)
	if err != nil {
		return err
	}
	doc, err := exact(e, branch)
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	org, err := orgOf(e.App, branch.Id)
	if err != nil {
		return err
	}
	title, _ := f.Body.String("title")
	if title = strings.TrimSpace(title); title == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Title is required")
	}
	category, err := orgCategory(e.App, f.Body, org)
	if err != nil {
		return err
	}
	if len([]rune(title)) > 255 {
		return msg(http.StatusBadRequest, "Validation error")
	}
	doc.Load(map[string]any{"title": title, "category": category, "tags": orgTags(e.App, f, org)})
	if err := h.save(e, doc); err != nil {
		return err
	}
	out, err := h.document(e, h.shaper(e), doc, "")
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, out)
}

// get is GET /api/documents/<id>/ (any document of the organisation).
func (h *handlers) get(e *core.RequestEvent) error {
	_, branch, err := userBranch(e, apis.DefaultMaxBodySize)
	if err != nil {
		return err
	}
	doc, err := inOrg(e, branch)
	if err != nil {
		return err
	}
	if e.Request.URL.Query().Get("title_only") == "true" {
		return rest.JSON(e, http.StatusOK, map[string]any{"id": rest.ID(doc.Id), "title": doc.GetString("title")})
	}
	out, err := h.document(e, h.shaper(e), doc, branch.Id)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, out)
}

// delete removes the document and its stored file before answering
// (PocketBase's own clean-up of the record's files runs in the background).
func (h *handlers) delete(e *core.RequestEvent) error {
	_, branch, err := userBranch(e, apis.DefaultMaxBodySize)
	if err != nil {
		return err
	}
	doc, err := exact(e, branch)
	if err != nil {
		return err
	}
	key := media.Key(doc, "file")
	if err := e.App.Delete(doc); err != nil {
		return err
	}
	if fsys, err := e.App.NewFilesystem(); err == nil {
		if err := fsys.Delete(key); err != nil && !errors.Is(err, filesystem.ErrNotFound) {
			e.App.Logger().Warn("document delete: file left in storage", "key", key, "error", err)
		}
		fsys.Close()
	}
	return rest.NoContent(e)
}
