package assets

import (
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

func fontNotFound() error { return rest.Detail(http.StatusNotFound, "Font not found.") }

func (h *handlers) listFonts(e *core.RequestEvent) error {
	org, err := fontOrg(e)
	if err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.CustomFonts, dbx.HashExp{"organisation": org.Id})
	if err != nil {
		return err
	}
	sortBy(rs, "position", "name")
	return rest.JSON(e, http.StatusOK, objects(rs, shape.Font))
}

func (h *handlers) getFont(e *core.RequestEvent) error {
	org, err := fontOrg(e)
	if err != nil {
		return err
	}
	f, err := orgRecord(e, collections.CustomFonts, org.Id, fontNotFound())
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.Font(f))
}

func (h *handlers) createFont(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"add fonts.")
	if err != nil {
		return err
	}
	f, err := collections.NewRecord(e.App, collections.CustomFonts)
	if err != nil {
		return err
	}
	f.Set("organisation", org.Id)
	// The id is chosen now because an upload's font_url names it.
	id, err := security.RandomStringByRegex(collections.IdAutogeneratePattern)
	if err != nil {
		return err
	}
	f.Set("id", id)
	if err := h.saveFont(e, f, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, shape.Font(f))
}

func (h *handlers) patchFont(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"modify fonts.")
	if err != nil {
		return err
	}
	f, err := orgRecord(e, collections.CustomFonts, org.Id, fontNotFound())
	if err != nil {
		return err
	}
	if err := h.saveFont(e, f, false); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.Font(f))
}

// deleteFont also deletes an uploaded file (upstream leaves it in storage).
func (h *handlers) deleteFont(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"delete fonts.")
	if err != nil {
		return err
	}
	f, err := orgRecord(e, collections.CustomFonts, org.Id, fontNotFound())
	if err != nil {
		return err
	}
	if err := e.App.Delete(f); err != nil {
		return err
	}
	return rest.NoContent(e)
}

// saveFont applies a JSON {name, font_url, position} or a multipart body
// with a font file (and optional name, position), then saves.
func (h *handlers) saveFont(e *core.RequestEvent, f *core.Record, create bool) error {
	form, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	upload, err := uploadedFont(form)
	if err != nil {
		return err
	}
	if upload != nil {
		f.Set("file", upload)
		// Stored through PocketBase, served by its public file route.
		f.Set("font_url", rest.AbsoluteURL(e, h.cfg.Settings,
			"/api/files/"+collections.CustomFonts+"/"+f.Id+"/"+upload.Name))
		if v, _ := form.Body.String("name"); create && strings.TrimSpace(v) == "" {
			form.Body["name"] = defaultFontName(upload.OriginalName)
		}
	} else if v, ok := urlField(form, "font_url", 500, create); ok {
		f.Set("font_url", v)
		f.Set("file", nil) // the URL now points elsewhere
	}
	if v, ok := form.Text("name", 100, create); ok {
		f.Set("name", v)
	}
	if v, ok := positionField(form); ok {
		f.Set("position", v)
	}
	if err := form.Err(); err != nil {
		return err
	}
	err = saveUnique(e.App, f, "A font with this name already exists in this organisation.")
	var apiErr *rest.Error
	if err != nil && upload != nil && !errors.As(err, &apiErr) {
		e.App.Logger().Error("font upload", "error", err)
		return rest.Detail(http.StatusInternalServerError, "Failed to store uploaded font.")
	}
	return err
}

// uploadedFont is the last "file" part of a multipart body (the frontend
// may repeat parts), or nil; its extension must be a font's.
func uploadedFont(form *rest.Form) (*filesystem.File, error) {
	header := form.File("file")
	if header == nil {
		return nil, nil
	}
	ext := strings.ToLower(filepath.Ext(header.Filename))
	if !slices.Contains(collections.FontExtensions, ext) {
		return nil, rest.Detail(http.StatusBadRequest,
			"Unsupported font file type: "+ext+". Allowed: "+strings.Join(collections.FontExtensions, ", "))
	}
	return filesystem.NewFileFromMultipart(header)
}

// defaultFontName is the file's base name without its extension, cut to
// the column's 100 characters.
func defaultFontName(filename string) string {
	name := strings.TrimSuffix(filepath.Base(filename), filepath.Ext(filename))
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return name
}
