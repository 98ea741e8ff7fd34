package documents

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/rest"
)

// fileToken is GET /api/documents/file-token/<id>/: the public file_url,
// plus a signed token that opens /api/documents/file/<id>/ for an hour.
func (h *handlers) fileToken(e *core.RequestEvent) error {
	branch, err := h.tokenBranch(e)
	if err != nil {
		return err
	}
	doc, err := inOrg(e, branch)
	if err != nil {
		return err
	}
	token, err := IssueToken(e.App, doc.Id, branch.Id, time.Now())
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"file_url": h.fileURL(e, doc), "token": token})
}

// tokenBranch is the branch whose organisation's documents the caller may
// open: mode A (a Bearer header) is JWT + BFR; mode B is the screen `id`,
// authorised by its branch's X-API-KEY or a user with access to it. The
// player sends "Bearer null" next to its key, so a refused token with a
// key present falls through to mode B (upstream answered 401).
func (h *handlers) tokenBranch(e *core.RequestEvent) (*core.Record, error) {
	if err := limitBody(e, apis.DefaultMaxBodySize); err != nil {
		return nil, err
	}
	keyHeader := e.Request.Header.Get("X-Api-Key") != ""
	if strings.HasPrefix(e.Request.Header.Get("Authorization"), "Bearer ") {
		user, err := rest.RequireUser(e)
		if err == nil {
			return rest.BranchFromRequest(e, user)
		}
		if !keyHeader {
			return nil, err
		}
	}
	screenID := e.Request.URL.Query().Get("id")
	if screenID == "" {
		return nil, rest.Detail(http.StatusBadRequest, "Display website ID (param 'id') is required.")
	}
	screen, err := rest.FindByID(e.App, collections.DisplayWebsites, screenID)
	if err != nil {
		return nil, rest.NotFound("DisplayWebsite")
	}
	branchID := screen.GetString("branch")
	key, present, err := rest.ScreenKey(e)
	switch {
	case present && err != nil:
		return nil, rest.Detail(http.StatusForbidden, apikey.ErrInvalid.Error())
	case present && key.GetString("branch") != branchID:
		return nil, rest.Detail(http.StatusForbidden, apikey.ErrWrongBranch.Error())
	case !present:
		user := rest.OptionalUser(e)
		if user == nil {
			return nil, rest.Detail(http.StatusUnauthorized, "Authentication required.")
		}
		if ok, err := access.CanAccessBranch(e.App, user.Id, branchID); err != nil || !ok {
			return nil, rest.Detail(http.StatusForbidden, "Not allowed.")
		}
	}
	branch, err := e.App.FindRecordById(collections.Branches, branchID)
	if err != nil {
		return nil, rest.NotFound("Branch")
	}
	return branch, nil
}

// base64 is GET /api/documents/base64/<id>/: an image as a data: URL.
func (h *handlers) base64(e *core.RequestEvent) error {
	_, branch, err := userBranch(e, apis.DefaultMaxBodySize)
	if err != nil {
		return err
	}
	doc, err := inOrg(e, branch)
	if err != nil {
		return err
	}
	if !slices.Contains(media.ImageTypes, doc.GetString("file_type")) {
		return rest.Keyed(http.StatusBadRequest, "error", "Only image documents can be fetched as base64.")
	}
	content, err := h.read(e.App, doc)
	if err != nil {
		e.App.Logger().Error("document base64", "document", doc.Id, "error", err)
		return rest.Keyed(http.StatusInternalServerError, "error", "Could not read file.")
	}
	mt, _, _ := strings.Cut(mime.TypeByExtension(strings.ToLower(filepath.Ext(doc.GetString("file")))), ";")
	if mt == "" {
		mt = "image/png"
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"base64":    "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(content),
		"mime_type": mt,
	})
}

// read loads a stored file, at most MaxUploadSize bytes of it.
func (h *handlers) read(app core.App, doc *core.Record) ([]byte, error) {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(media.Key(doc, "file"))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, h.cfg.Media.MaxUploadSize))
}

// file is GET /api/documents/file/<id>/?token=&branch_id=: the stored file,
// authorised by a token from file-token alone, so the URL works where no
// header can be sent (upstream also demanded a JWT, and issued no tokens).
func (h *handlers) file(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	token, branchID := q.Get("token"), q.Get("branch_id")
	if token == "" || branchID == "" {
		return rest.Detail(http.StatusNotFound, "Missing token or branch_id.")
	}
	docID, signedBranch, err := ReadToken(e.App, token, time.Now())
	if errors.Is(err, errBadToken) {
		return rest.Detail(http.StatusNotFound, "Invalid or expired token.")
	}
	if err != nil {
		return err
	}
	if docID != e.Request.PathValue("pk") || signedBranch != branchID {
		return rest.Detail(http.StatusNotFound, "Token mismatch.")
	}
	doc, err := e.App.FindRecordById(collections.Documents, docID)
	if err != nil {
		return rest.Detail(http.StatusNotFound, "File not found")
	}
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(media.Key(doc, "file"))
	if err != nil {
		return rest.Detail(http.StatusNotFound, "File not found")
	}
	defer r.Close()
	hd := e.Response.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", `inline; filename="`+media.Key(doc, "file")+`"`)
	e.Response.WriteHeader(http.StatusOK)
	_, err = io.Copy(e.Response, r)
	return err
}

// serveMedia serves /media/<collection id>/<record id>/<name> with local
// storage: only files of unprotected file fields, as /api/files/ would.
func (h *handlers) serveMedia(e *core.RequestEvent) error {
	missing := rest.Detail(http.StatusNotFound, rest.MsgNotFound)
	col, err := e.App.FindCachedCollectionByNameOrId(e.Request.PathValue("collection"))
	if err != nil || col.Id != e.Request.PathValue("collection") {
		return missing
	}
	rec, err := e.App.FindRecordById(col, e.Request.PathValue("record"))
	if err != nil {
		return missing
	}
	name := e.Request.PathValue("name")
	for _, f := range col.Fields {
		if ff, ok := f.(*core.FileField); ok && !ff.Protected && slices.Contains(rec.GetStringSlice(ff.Name), name) {
			fsys, err := e.App.NewFilesystem()
			if err != nil {
				return err
			}
			defer fsys.Close()
			return fsys.Serve(e.Response, e.Request, rec.BaseFilesPath()+"/"+name, name)
		}
	}
	return missing
}
