// Package documents serves the media library (docs/api.md, "Documents"): the
// paginated list served by POST, multipart uploads into PocketBase's file
// storage (local or S3), view, edit, delete, base64, file tokens and the
// token-authorised file route, and the local /media/ files.
package documents

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
	"github.com/openstream-go/openstream/shape"
)

// Config is the site settings and the storage.
type Config struct {
	Settings settings.Settings
	Media    media.Config
	// Previews converts uploaded PDFs; nil makes one (tests pass theirs to
	// wait for it).
	Previews *media.Previewer
}

type handlers struct{ cfg Config }

// Mount adds the documents routes, and /media/ for local storage, to r.
func Mount(r *router.Router[*core.RequestEvent], cfg Config) {
	if cfg.Previews == nil {
		cfg.Previews = media.NewPreviewer(cfg.Media)
	}
	if cfg.Media.MediaURL == "" {
		cfg.Media.MediaURL = media.LocalMediaURL
	}
	if cfg.Media.MaxUploadSize <= 0 {
		cfg.Media.MaxUploadSize = media.DefaultMaxUploadMB << 20
	}
	h := &handlers{cfg: cfg}
	route(r, "/api/documents/", rest.Methods{http.MethodPost: h.upload})
	// list and images share the {pk} pattern (Go's ServeMux would find
	// literal siblings ambiguous), as rest.WithLiteral does.
	route(r, "/api/documents/{pk}/", rest.Methods{
		http.MethodGet: literal(nil, h.get), http.MethodPatch: literal(nil, h.patch),
		http.MethodDelete: literal(nil, h.delete),
		http.MethodPost:   literal(map[string]func(*core.RequestEvent) error{"list": h.list, "images": h.upload}, nil),
	})
	route(r, "/api/documents/file-token/{pk}/", rest.Methods{http.MethodGet: h.fileToken})
	route(r, "/api/documents/base64/{pk}/", rest.Methods{http.MethodGet: h.base64})
	route(r, "/api/documents/file/{pk}/", rest.Methods{http.MethodGet: h.file})
	if !cfg.Media.Absolute() {
		r.GET(strings.TrimSuffix(cfg.Media.MediaURL, "/")+"/{collection}/{record}/{name}", rest.Handler(h.serveMedia))
	}
}

// route is rest.Route without PocketBase's 32 MB body limit: the handlers
// set their own (uploads are bounded by MaxUploadSize).
func route(r *router.Router[*core.RequestEvent], path string, ms rest.Methods) {
	rest.Route(r, path, ms).Unbind(apis.DefaultBodyLimitMiddlewareId)
}

func notAllowed(e *core.RequestEvent) error {
	return rest.Detail(http.StatusMethodNotAllowed, `Method "`+e.Request.Method+`" not allowed.`)
}

// literal answers the literal {pk} values with their handler, numeric ones
// with pk; a literal without a handler for this method is a 405.
func literal(lits map[string]func(*core.RequestEvent) error, pk func(*core.RequestEvent) error) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		v := e.Request.PathValue("pk")
		if fn, ok := lits[v]; ok {
			return fn(e)
		}
		if v == "list" || v == "images" || pk == nil {
			return notAllowed(e)
		}
		return pk(e)
	}
}

// limitBody bounds what a handler reads; over it the body reader answers 413.
func limitBody(e *core.RequestEvent, limit int64) error {
	if e.Request.ContentLength > limit {
		return tooLarge()
	}
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, limit)
	return nil
}

func tooLarge() error {
	return rest.Detail(http.StatusRequestEntityTooLarge, "Request body is too large.")
}

// userBranch is JWT + BFR with the body bounded by limit.
func userBranch(e *core.RequestEvent, limit int64) (*core.Record, *core.Record, error) {
	if err := limitBody(e, limit); err != nil {
		return nil, nil, err
	}
	user, err := rest.RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	branch, err := rest.BranchFromRequest(e, user)
	return user, branch, err
}

// orgOf is the organisation id of a branch.
func orgOf(app core.App, branchID string) (string, error) {
	var org string
	err := app.DB().Select("s.organisation").From(collections.Branches+" b").
		InnerJoin(collections.Suborganisations+" s", dbx.NewExp("s.id = b.suborganisation")).
		Where(dbx.HashExp{"b.id": branchID}).Row(&org)
	return org, err
}

func notFound() error { return rest.NotFound("Document") }

// inOrg finds the path's document among the organisation's (GET, base64,
// file-token); exact finds it in exactly this branch (PATCH, DELETE).
func inOrg(e *core.RequestEvent, branch *core.Record) (*core.Record, error) {
	doc, err := pathDocument(e)
	if err != nil {
		return nil, err
	}
	org, err := orgOf(e.App, branch.Id)
	if err != nil {
		return nil, err
	}
	if docOrg, err := orgOf(e.App, doc.GetString("branch")); err != nil || docOrg != org {
		return nil, notFound()
	}
	return doc, nil
}

func exact(e *core.RequestEvent, branch *core.Record) (*core.Record, error) {
	doc, err := pathDocument(e)
	if err != nil {
		return nil, err
	}
	if doc.GetString("branch") != branch.Id {
		return nil, notFound()
	}
	return doc, nil
}

func pathDocument(e *core.RequestEvent) (*core.Record, error) {
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return nil, err
	}
	doc, err := e.App.FindRecordById(collections.Documents, id)
	if err != nil {
		return nil, notFound()
	}
	return doc, nil
}

// fileURL is the document's public file address (docs/api.md, "Documents":
// file addresses).
func (h *handlers) fileURL(e *core.RequestEvent, doc *core.Record) string {
	return h.cfg.Media.URL(media.Key(doc, "file"), func(p string) string {
		return rest.AbsoluteURL(e, h.cfg.Settings, p)
	})
}

// document is the Document shape. tags are names, category an id; file is
// the same public URL as file_url (upstream's could be an internal
// pre-signed S3 URL, useless to browsers).
func (h *handlers) document(e *core.RequestEvent, s *shape.Shaper, doc *core.Record, owner string) (shape.Object, error) {
	names := []string{}
	if ids := doc.GetStringSlice("tags"); len(ids) > 0 {
		tags, err := e.App.FindRecordsByIds(collections.Tags, ids)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			names = append(names, t.GetString("name"))
		}
	}
	url := h.fileURL(e, doc)
	return shape.Object{
		"id":                 shape.ID(doc.Id),
		"tags":               names,
		"category":           shape.NullableID(doc.GetString("category")),
		"file_url":           url,
		"is_owned_by_branch": owner != "" && doc.GetString("branch") == owner,
		"file_type":          doc.GetString("file_type"),
		"processing_status":  doc.GetString("processing_status"),
		"title":              doc.GetString("title"),
		"file":               url,
		"uploaded_at":        s.DateTime(doc.GetDateTime("uploaded_at")),
		"branch":             shape.NullableID(doc.GetString("branch")),
	}, nil
}

func (h *handlers) shaper(e *core.RequestEvent) *shape.Shaper {
	return shape.New(e.App, h.cfg.Settings.TimeZone)
}
