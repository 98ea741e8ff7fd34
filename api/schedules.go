package api

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Schedules": one-off and recurring schedules share everything
// but their time fields.
func (h *handlers) scheduleRoutes(r *router.Router[*core.RequestEvent]) {
	for _, k := range []scheduleKind{oneOffKind, recurringKind} {
		rest.Route(r, k.path, rest.Methods{http.MethodGet: h.listSchedules(k), http.MethodPost: h.createSchedule(k)})
		rest.Route(r, k.path+"{pk}/", rest.Methods{
			http.MethodGet: h.getSchedule(k), http.MethodPatch: h.patchSchedule(k), http.MethodPut: h.patchSchedule(k),
			http.MethodDelete: h.deleteSchedule(k),
		})
	}
}

type scheduleKind struct {
	path, collection, model string
	render                  func(*shape.Shaper, *core.Record) (shape.Object, error)
	// readTimes applies the kind's time fields (all required when full).
	readTimes func(f *rest.Form, r *core.Record, full bool)
}

var oneOffKind = scheduleKind{
	path: "/api/scheduled-contents/", collection: collections.ScheduledContents, model: "ScheduledContent",
	render: (*shape.Shaper).Scheduled,
	readTimes: func(f *rest.Form, r *core.Record, _ bool) {
		// Upstream's serializer lets both be missing; the model rule then
		// refuses them with "Start and End times are required...".
		for _, key := range []string{"start_time", "end_time"} {
			if t, ok := f.DateTime(key); ok {
				if t.IsZero() {
					r.Set(key, "")
				} else {
					r.Set(key, t.UTC())
				}
			}
		}
	},
}

var recurringKind = scheduleKind{
	path: "/api/recurring-scheduled-contents/", collection: collections.RecurringScheduledContents, model: "RecurringScheduledContent",
	render: (*shape.Shaper).Recurring,
	readTimes: func(f *rest.Form, r *core.Record, full bool) {
		if v, ok := f.ChoiceInt("weekday", 0, 6, full); ok {
			r.Set("weekday", v)
		}
		for _, key := range []string{"start_time", "end_time"} {
			if v, ok := f.Clock(key, full); ok {
				r.Set(key, v)
			}
		}
		if v, ok := f.Date("active_from", full, false); ok {
			r.Set("active_from", v)
		}
		if v, ok := f.Date("active_until", false, true); ok {
			r.Set("active_until", v)
		}
	},
}

// Messages of the schedule and emergency lists.
const (
	msgIDsRequired  = "Either 'id' or 'ids' parameter is required."
	msgUnknownGroup = "Unknown display website group."
	msgNotAllowed   = "Not allowed."
)

// requestedGroups reads ?ids=1,2 or ?id=1: the groups a schedule or
// emergency list is for. Every group must exist and be in a branch the
// user can access. dedupe says whether a repeated id is dropped (emergency
// list) or makes the list unknown (schedule lists, as upstream).
func requestedGroups(e *core.RequestEvent, user *core.Record, dedupe bool) ([]*core.Record, error) {
	q := e.Request.URL.Query()
	var raw []string
	single := false
	switch {
	case q.Get("ids") != "":
		for _, part := range strings.Split(q.Get("ids"), ",") {
			if part = strings.TrimSpace(part); part != "" {
				raw = append(raw, part)
			}
		}
		if len(raw) == 0 {
			return nil, rest.Detail(http.StatusBadRequest, "No valid display website group ids supplied.")
		}
	case q.Get("id") != "":
		raw, single = []string{q.Get("id")}, true
	default:
		return nil, rest.Detail(http.StatusBadRequest, msgIDsRequired)
	}
	ids := make([]string, 0, len(raw))
	seen := map[string]bool{}
	for _, r := range raw {
		id, ok := collections.ParseID(r)
		if !ok {
			if single {
				return nil, rest.Detail(http.StatusBadRequest, "Invalid id parameter.")
			}
			return nil, rest.Detail(http.StatusBadRequest, "Invalid ids parameter.")
		}
		if seen[id] {
			if dedupe {
				continue
			}
			return nil, rest.Detail(http.StatusNotFound, msgUnknownGroup)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	groups, err := e.App.FindRecordsByIds(collections.DisplayWebsiteGroups, ids)
	if err != nil {
		return nil, err
	}
	if len(groups) != len(ids) {
		if single {
			return nil, rest.NotFound("DisplayWebsiteGroup")
		}
		return nil, rest.Detail(http.StatusNotFound, msgUnknownGroup)
	}
	for _, g := range groups {
		if err := mayUseGroup(e.App, user, g); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// mayUseGroup is can_access_branch on the group's branch, else 403 "Not allowed.".
func mayUseGroup(app core.App, user, g *core.Record) error {
	ok, err := access.CanAccessBranch(app, user.Id, g.GetString("branch"))
	if err != nil {
		return err
	}
	if !ok {
		return rest.Detail(http.StatusForbidden, msgNotAllowed)
	}
	return nil
}

func groupIDs(groups []*core.Record) []any {
	ids := make([]any, len(groups))
	for i, g := range groups {
		ids[i] = g.Id
	}
	return ids
}

func (h *handlers) listSchedules(k scheduleKind) func(*core.RequestEvent) error {
	return rest.Authed(func(e *core.RequestEvent, user *core.Record) error {
		groups, err := requestedGroups(e, user, false)
		if err != nil {
			return err
		}
		rows, err := e.App.FindAllRecords(k.collection, dbx.In("display_website_group", groupIDs(groups)...))
		if err != nil {
			return err
		}
		sortByID(rows)
		s := shape.New(e.App, h.cfg.Settings.TimeZone)
		out := make([]any, len(rows))
		for i, r := range rows {
			if out[i], err = k.render(s, r); err != nil {
				return err
			}
		}
		return rest.JSON(e, http.StatusOK, out)
	})
}

// scheduleRecord loads the path's row for a user who may use its group.
func scheduleRecord(e *core.RequestEvent, k scheduleKind) (*core.Record, *core.Record, error) {
	user, r, err := rest.UserAndRecord(e, k.collection, k.model)
	if err != nil {
		return nil, nil, err
	}
	g, err := e.App.FindRecordById(collections.DisplayWebsiteGroups, r.GetString("display_website_group"))
	if err != nil {
		return nil, nil, rest.NotFound(k.model)
	}
	if err := mayUseGroup(e.App, user, g); err != nil {
		return nil, nil, err
	}
	return user, r, nil
}

func (h *handlers) renderSchedule(e *core.RequestEvent, k scheduleKind, status int, r *core.Record) error {
	j, err := k.render(shape.New(e.App, h.cfg.Settings.TimeZone), r)
	if err != nil {
		return err
	}
	return rest.JSON(e, status, j)
}

func (h *handlers) getSchedule(k scheduleKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, r, err := scheduleRecord(e, k)
		if err != nil {
			return err
		}
		return h.renderSchedule(e, k, http.StatusOK, r)
	}
}

func (h *handlers) createSchedule(k scheduleKind) func(*core.RequestEvent) error {
	return rest.Authed(func(e *core.RequestEvent, user *core.Record) error {
		r, err := collections.NewRecord(e.App, k.collection)
		if err != nil {
			return err
		}
		if err := h.saveSchedule(e, k, user, r, true); err != nil {
			return err
		}
		return h.renderSchedule(e, k, http.StatusCreated, r)
	})
}

func (h *handlers) patchSchedule(k scheduleKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		user, r, err := scheduleRecord(e, k)
		if err != nil {
			return err
		}
		if err := h.saveSchedule(e, k, user, r, e.Request.Method == http.MethodPut); err != nil {
			return err
		}
		return h.renderSchedule(e, k, http.StatusOK, r)
	}
}

// saveSchedule applies the body. The group (old and new) must be in a
// branch the user can access, and so must the content; fields left out
// keep their stored values, and the row being edited is not its own
// conflict. A missing combine_with_default is false (the model default;
// upstream validated it as true and then saved false).
func (h *handlers) saveSchedule(e *core.RequestEvent, k scheduleKind, user, r *core.Record, full bool) error {
	f, err := rest.NewForm(e, h.cfg.Settings.TimeZone)
	if err != nil {
		return err
	}
	groupID, hasGroup := f.PK("display_website_group", collections.DisplayWebsiteGroups, full)
	if groupID != "" {
		g, err := e.App.FindRecordById(collections.DisplayWebsiteGroups, groupID)
		if err != nil {
			return err
		}
		if err := mayUseGroup(e.App, user, g); err != nil {
			return err
		}
		r.Set("display_website_group", groupID)
	} else if hasGroup && len(f.Errs["display_website_group"]) == 0 {
		f.Fail("display_website_group", "This field may not be null.")
	}
	k.readTimes(f, r, full)
	if v, ok := f.Boolean("combine_with_default"); ok {
		r.Set("combine_with_default", v)
	}
	if v, ok := f.OptionalText("description", 2048); ok {
		r.Set("description", v)
	}
	if v, ok := f.BranchPK("slideshow_id", collections.Slideshows, user.Id, false); ok {
		r.Set("slideshow", v)
	}
	if v, ok := f.BranchPK("playlist_id", collections.Playlists, user.Id, false); ok {
		r.Set("playlist", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if (r.GetString("slideshow") == "") == (r.GetString("playlist") == "") {
		return rest.Field("non_field_errors", hooks.MsgExactlyOneContent)
	}
	if err := e.App.Save(r); err != nil {
		return rest.Invalid(err, nil, "slideshow", "playlist", "start_time", "end_time", "active_from", "active_until")
	}
	return nil
}

func (h *handlers) deleteSchedule(k scheduleKind) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		_, r, err := scheduleRecord(e, k)
		if err != nil {
			return err
		}
		if err := e.App.Delete(r); err != nil {
			return err
		}
		return rest.NoContent(e)
	}
}
