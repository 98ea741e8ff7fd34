package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Emergency slideshows": emergency slideshows, shown instead of
// everything else on the screens of their groups while active.
func (h *handlers) emergencyRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/emergency-slideshows/", rest.Methods{http.MethodGet: rest.Authed(h.listEmergencies), http.MethodPost: rest.Authed(h.createEmergency)})
	rest.Route(r, "/api/emergency-slideshows/{pk}/", rest.Methods{
		http.MethodGet: h.getEmergency, http.MethodPatch: h.patchEmergency, http.MethodPut: h.patchEmergency,
		http.MethodDelete: h.deleteEmergency,
	})
	rest.Route(r, "/api/emergency-slideshows/{pk}/delivery/", rest.Methods{http.MethodGet: h.deliveryReport})
}

func (h *handlers) listEmergencies(e *core.RequestEvent, user *core.Record) error {
	groups, err := requestedGroups(e, user, true)
	if err != nil {
		return err
	}
	rows, err := playback.EmergenciesOf(e.App, groupIDs(groups)...)
	if err != nil {
		return err
	}
	s := shape.New(e.App, h.cfg.Settings.TimeZone)
	out := make([]any, len(rows))
	for i, r := range rows {
		if out[i], err = s.Emergency(r); err != nil {
			return err
		}
	}
	return rest.JSON(e, http.StatusOK, out)
}

// mayUseGroups checks every group of an emergency (see mayUseGroup).
func mayUseGroups(app core.App, user *core.Record, ids []string) error {
	groups, err := app.FindRecordsByIds(collections.DisplayWebsiteGroups, ids)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := mayUseGroup(app, user, g); err != nil {
			return err
		}
	}
	return nil
}

func emergencyRecord(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	user, r, err := rest.UserAndRecord(e, collections.EmergencySlideshows, "EmergencySlideshow")
	if err != nil {
		return nil, nil, err
	}
	if err := mayUseGroups(e.App, user, r.GetStringSlice("display_website_groups")); err != nil {
		return nil, nil, err
	}
	return user, r, nil
}

func (h *handlers) renderEmergency(e *core.RequestEvent, status int, r *core.Record) error {
	j, err := shape.New(e.App, h.cfg.Settings.TimeZone).Emergency(r)
	if err != nil {
		return err
	}
	return rest.JSON(e, status, j)
}

func (h *handlers) getEmergency(e *core.RequestEvent) error {
	_, r, err := emergencyRecord(e)
	if err != nil {
		return err
	}
	return h.renderEmergency(e, http.StatusOK, r)
}

func (h *handlers) createEmergency(e *core.RequestEvent, user *core.Record) error {
	r, err := collections.NewRecord(e.App, collections.EmergencySlideshows)
	if err != nil {
		return err
	}
	if err := h.saveEmergency(e, user, r, true); err != nil {
		return err
	}
	return h.renderEmergency(e, http.StatusCreated, r)
}

func (h *handlers) patchEmergency(e *core.RequestEvent) error {
	user, r, err := emergencyRecord(e)
	if err != nil {
		return err
	}
	if err := h.saveEmergency(e, user, r, e.Request.Method == http.MethodPut); err != nil {
		return err
	}
	return h.renderEmergency(e, http.StatusOK, r)
}

func (h *handlers) saveEmergency(e *core.RequestEvent, user, r *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	raw, hasSlideshow := f.Body["slideshow_id"]
	switch {
	case !hasSlideshow && full:
		return rest.Field("non_field_errors", "slideshow_id is required.")
	case hasSlideshow && raw == nil:
		f.Fail("slideshow_id", "This field may not be null.")
	case hasSlideshow:
		if id, _ := f.BranchPK("slideshow_id", collections.Slideshows, user.Id, true); id != "" {
			r.Set("slideshow", id)
		}
	}
	groups, hasGroups := f.PKList("display_website_group_ids", collections.DisplayWebsiteGroups)
	switch {
	case !hasGroups && full:
		f.Fail("display_website_group_ids", rest.MsgRequired)
	case hasGroups && groups != nil && len(groups) == 0:
		f.Fail("display_website_group_ids", hooks.MsgGroupsEmpty)
	}
	if v, ok := f.Boolean("is_active"); ok {
		r.Set("is_active", v)
	}
	h.emergencyExpiry(f, r)
	if err := f.Err(); err != nil {
		return err
	}
	if hasGroups {
		if err := mayUseGroups(e.App, user, groups); err != nil {
			return err
		}
		r.Set("display_website_groups", groups)
	}
	if err := e.App.SaveWithContext(audit.Request(e), r); err != nil {
		err = rest.Invalid(err, map[string]string{"display_website_groups": "display_website_group_ids"}, "slideshow")
		if msgs := fieldMessages(err, "display_website_group_ids"); len(msgs) > 0 && msgs[0] == hooks.MsgGroupsSameBranch {
			return rest.Detail(http.StatusBadRequest, hooks.MsgGroupsSameBranch)
		}
		return err
	}
	return nil
}

// maxEmergencyMinutes bounds duration_minutes (ten years).
const maxEmergencyMinutes = 10 * 366 * 24 * 60

// emergencyExpiry reads expires_at (a date-time, or null for none) or
// duration_minutes (from now), and refuses an active emergency that would
// already have expired.
func (h *handlers) emergencyExpiry(f *rest.Form, r *core.Record) {
	now := h.cfg.Now()
	at, hasAt := f.DateTime("expires_at")
	if minutes, ok := f.Integer("duration_minutes", 1); ok {
		switch {
		case hasAt:
			f.Fail("duration_minutes", "Give either duration_minutes or expires_at, not both.")
			return
		case minutes > maxEmergencyMinutes:
			f.Fail("duration_minutes", fmt.Sprintf("Ensure this value is less than or equal to %d.", maxEmergencyMinutes))
			return
		case minutes > 0:
			at, hasAt = now.Add(time.Duration(minutes)*time.Minute), true
		}
	}
	if hasAt && len(f.Errs["expires_at"]) == 0 {
		r.Set("expires_at", at) // the zero time clears it
	}
	if exp := r.GetDateTime("expires_at"); r.GetBool("is_active") && !exp.IsZero() && !exp.Time().After(now) && len(f.Errs) == 0 {
		f.Fail("expires_at", "An active emergency must expire in the future.")
	}
}

func (h *handlers) deleteEmergency(e *core.RequestEvent) error {
	_, r, err := emergencyRecord(e)
	if err != nil {
		return err
	}
	if err := e.App.DeleteWithContext(audit.Request(e), r); err != nil {
		return err
	}
	return rest.NoContent(e)
}
