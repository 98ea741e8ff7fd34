package documents

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// Filters are the list's JSON body filters; empty ones do not filter.
type Filters struct {
	Title      string
	Categories []string
	Branches   []string
	FileTypes  []string
	Tags       []string
}

// ParseFilters reads the body as upstream's view did: a single value
// counts as a one-element list; blanks and non-integers among ids are
// skipped (upstream skipped them for categories and crashed on the others).
func ParseFilters(body rest.Body) Filters {
	f := Filters{FileTypes: []string{}}
	f.Title, _ = body["title"].(string)
	f.Title = strings.TrimSpace(f.Title)
	f.Categories = ids(body["categories"])
	f.Branches = ids(body["branches"])
	f.Tags = ids(body["tags"])
	for _, v := range list(body["file_types"]) {
		if s, ok := v.(string); ok && s != "" && !slices.Contains(f.FileTypes, s) {
			f.FileTypes = append(f.FileTypes, s)
		}
	}
	return f
}

func list(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

func ids(v any) []string {
	out := []string{}
	for _, item := range list(v) {
		var raw string
		switch t := item.(type) {
		case string:
			raw = strings.TrimSpace(t)
		case float64:
			raw = strconv.FormatFloat(t, 'f', -1, 64)
		}
		if id, ok := collections.ParseID(raw); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// titleMatches is Postgres' icontains (UPPER on both sides), in Go:
// SQLite's LIKE and upper() fold ASCII only.
func (f Filters) titleMatches(title string) bool {
	return strings.Contains(strings.ToUpper(title), strings.ToUpper(f.Title))
}

// where is the filters but the title as SQL on documents d; the scope is every branch of
// the organisation org.
func (f Filters) where(org string) dbx.Expression {
	exps := []dbx.Expression{dbx.NewExp(
		"d.branch IN (SELECT b.id FROM "+collections.Branches+" b JOIN "+collections.Suborganisations+
			" s ON s.id = b.suborganisation WHERE s.organisation = {:org})", dbx.Params{"org": org})}
	if len(f.Categories) > 0 {
		exps = append(exps, dbx.In("d.category", anys(f.Categories)...))
	}
	if len(f.Branches) > 0 {
		exps = append(exps, dbx.In("d.branch", anys(f.Branches)...))
	}
	if len(f.FileTypes) > 0 {
		exps = append(exps, dbx.In("d.file_type", anys(f.FileTypes)...))
	}
	if len(f.Tags) > 0 {
		exps = append(exps, tagFilter(f.Tags))
	}
	return dbx.And(exps...)
}

// tagFilter is the any-of tag match (each document once).
func tagFilter(tags []string) dbx.Expression {
	params := dbx.Params{}
	names := make([]string, len(tags))
	for i, t := range tags {
		k := "tag" + strconv.Itoa(i)
		params[k] = t
		names[i] = "{:" + k + "}"
	}
	return dbx.NewExp("EXISTS (SELECT 1 FROM json_each(d.tags) t WHERE t.value IN ("+strings.Join(names, ", ")+"))", params)
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// list is POST /api/documents/list/: one page of the organisation's
// documents, newest first.
func (h *handlers) list(e *core.RequestEvent) error {
	_, branch, err := userBranch(e, apis.DefaultMaxBodySize)
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
	filters := ParseFilters(f.Body)
	var rows []struct {
		ID    string `db:"id"`
		Title string `db:"title"`
	}
	err = e.App.DB().Select("d.id", "d.title").From(collections.Documents+" d").Where(filters.where(org)).
		OrderBy("d.uploaded_at DESC", "d.id DESC").All(&rows)
	if err != nil {
		return err
	}
	docIDs := []any{}
	for _, r := range rows {
		if filters.titleMatches(r.Title) {
			docIDs = append(docIDs, r.ID)
		}
	}
	q := e.Request.URL.Query()
	size, err := strconv.Atoi(strings.TrimSpace(q.Get("page_size")))
	if err != nil || size < 1 {
		size = 10
	}
	page := rest.Paginate(docIDs, q.Get("page"), strconv.Itoa(min(size, 100)), 10)
	s := h.shaper(e)
	for i, id := range page.Results {
		doc, err := e.App.FindRecordById(collections.Documents, id.(string))
		if err != nil {
			return err
		}
		if page.Results[i], err = h.document(e, s, doc, branch.Id); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, page)
}
