package assets

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

const adminOnly = "You must be an organization admin to "

func (h *handlers) listColors(e *core.RequestEvent) error {
	_, org, err := userOrg(e, readers, msgNoAccess)
	if err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.CustomColors, dbx.HashExp{"organisation": org.Id})
	if err != nil {
		return err
	}
	sortBy(rs, "position", "name")
	return rest.JSON(e, http.StatusOK, objects(rs, shape.Color))
}

func (h *handlers) createColor(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"add colors.")
	if err != nil {
		return err
	}
	c, err := collections.NewRecord(e.App, collections.CustomColors)
	if err != nil {
		return err
	}
	c.Set("organisation", org.Id)
	if err := saveColor(e, c, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, shape.Color(c))
}

// colorNotFound is the colour endpoints' own 404.
func colorNotFound() error { return rest.Detail(http.StatusNotFound, "Color not found.") }

func (h *handlers) patchColor(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"modify colors.")
	if err != nil {
		return err
	}
	c, err := orgRecord(e, collections.CustomColors, org.Id, colorNotFound())
	if err != nil {
		return err
	}
	if err := saveColor(e, c, false); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.Color(c))
}

func (h *handlers) deleteColor(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"delete colors.")
	if err != nil {
		return err
	}
	c, err := orgRecord(e, collections.CustomColors, org.Id, colorNotFound())
	if err != nil {
		return err
	}
	if err := e.App.Delete(c); err != nil {
		return err
	}
	return rest.NoContent(e)
}

func saveColor(e *core.RequestEvent, c *core.Record, create bool) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 100, create); ok {
		c.Set("name", v)
	}
	if v, ok := f.Text("hex_value", 7, create); ok {
		c.Set("hex_value", v)
	}
	if v, ok := f.Choice("type", collections.ColorTypes, create); ok {
		c.Set("type", v)
	}
	if v, ok := positionField(f); ok {
		c.Set("position", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	return saveUnique(e.App, c, "A color with this name already exists in this organisation.")
}

// saveUnique saves a colour or font, answering a name already used in the
// organisation with upstream's {"message":[...]} 400.
func saveUnique(app core.App, r *core.Record, duplicate string) error {
	dup := &rest.Error{Status: http.StatusBadRequest, Body: map[string]any{"message": []string{duplicate}}}
	if taken(app, r, "name") {
		return dup
	}
	if err := savePositioned(app, r); err != nil {
		if taken(app, r, "name") {
			return dup
		}
		return rest.Invalid(err, nil)
	}
	return nil
}
