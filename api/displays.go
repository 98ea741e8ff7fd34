package api

import (
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Screens": screens (display websites) of a branch.
func (h *handlers) displayRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/display-websites/", rest.Methods{http.MethodGet: h.listDisplays, http.MethodPost: h.createDisplay})
	rest.Route(r, "/api/display-websites/{pk}/", rest.Methods{
		http.MethodGet: h.getDisplay, http.MethodPatch: h.patchDisplay, http.MethodPut: h.patchDisplay, http.MethodDelete: h.deleteDisplay,
	})
}

// MsgDisplayNameTaken is upstream's unique-together message.
const MsgDisplayNameTaken = "Display website with this Name and Branch already exists."

// displayJSON is the Display shape plus the screen health upstream lacks.
func (h *handlers) displayJSON(d *core.Record) shape.Object {
	out := shape.Display(d)
	seen := d.GetDateTime("last_seen")
	out["last_seen"] = nil
	if !seen.IsZero() {
		out["last_seen"] = shape.New(nil, h.cfg.Settings.TimeZone).DateTime(seen)
	}
	out["online"] = h.cfg.Health.Online(seen, h.cfg.Now())
	return out
}

func (h *handlers) listDisplays(e *core.RequestEvent) error {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	ds, err := e.App.FindAllRecords(collections.DisplayWebsites, dbx.HashExp{"branch": branch.Id})
	if err != nil {
		return err
	}
	sortByID(ds)
	out := make([]any, len(ds))
	for i, d := range ds {
		out[i] = h.displayJSON(d)
	}
	return rest.JSON(e, http.StatusOK, out)
}

// userAndBranch is JWT + branch_from_request.
func userAndBranch(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	user, err := rest.RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	branch, err := rest.BranchFromRequest(e, user)
	return user, branch, err
}

// branchRecord loads the path's record of the request's branch; a record of
// another branch is not found, as upstream's get_object_or_404(pk, branch).
func branchRecord(e *core.RequestEvent, collection, model string) (*core.Record, *core.Record, error) {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return nil, nil, err
	}
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return nil, nil, err
	}
	rec, err := e.App.FindRecordById(collection, id)
	if err != nil || rec.GetString("branch") != branch.Id {
		return nil, nil, rest.NotFound(model)
	}
	return branch, rec, nil
}

func (h *handlers) getDisplay(e *core.RequestEvent) error {
	_, d, err := branchRecord(e, collections.DisplayWebsites, "DisplayWebsite")
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, h.displayJSON(d))
}

func (h *handlers) createDisplay(e *core.RequestEvent) error {
	_, branch, err := userAndBranch(e)
	if err != nil {
		return err
	}
	d, err := collections.NewRecord(e.App, collections.DisplayWebsites)
	if err != nil {
		return err
	}
	d.Set("branch", branch.Id)
	if err := h.saveDisplay(e, d, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, h.displayJSON(d))
}

func (h *handlers) patchDisplay(e *core.RequestEvent) error {
	_, d, err := branchRecord(e, collections.DisplayWebsites, "DisplayWebsite")
	if err != nil {
		return err
	}
	if err := h.saveDisplay(e, d, e.Request.Method == http.MethodPut); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, h.displayJSON(d))
}

// saveDisplay applies the writable fields; full (POST, PUT) requires name.
func (h *handlers) saveDisplay(e *core.RequestEvent, d *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	if v, ok := f.Text("name", 255, full); ok {
		d.Set("name", v)
	}
	if v, ok := f.OptionalText("uid", 64); ok {
		d.Set("uid", v)
	}
	if v, ok := f.Text("aspect_ratio", 10, false); ok {
		d.Set("aspect_ratio", v)
	}
	if v, ok := f.PK("display_website_group", collections.DisplayWebsiteGroups, false); ok {
		d.Set("display_website_group", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(d); err != nil {
		return displaySaveError(err)
	}
	return nil
}

// displaySaveError: the model rules were full_clean errors upstream, shown
// as non-field errors, with upstream's wording for a taken name.
func displaySaveError(err error) error {
	err = rest.Invalid(err, nil, "aspect_ratio", "uid", "display_website_group", "branch")
	var apiErr *rest.Error
	if errors.As(err, &apiErr) {
		if fields, ok := apiErr.Body.(map[string][]string); ok {
			for i, msg := range fields["non_field_errors"] {
				if msg == "The fields name, branch must make a unique set." {
					fields["non_field_errors"][i] = MsgDisplayNameTaken
				}
			}
		}
	}
	return err
}

func (h *handlers) deleteDisplay(e *core.RequestEvent) error {
	_, d, err := branchRecord(e, collections.DisplayWebsites, "DisplayWebsite")
	if err != nil {
		return err
	}
	if err := e.App.DeleteWithContext(audit.Request(e), d); err != nil {
		return err
	}
	return rest.NoContent(e)
}
