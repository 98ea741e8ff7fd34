package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/schedule"
	"github.com/openstream-go/openstream/shape"
)

// docs/api.md, "Active and upcoming content": what a screen plays now, and the
// branch overviews.
func (h *handlers) playerRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/display-website/get-active-content", rest.Methods{http.MethodGet: h.activeContent})
	rest.Route(r, "/api/branch/get-active-content/", rest.Methods{http.MethodGet: h.branchActiveContent})
	rest.Route(r, "/api/branch/get-upcoming-content/", rest.Methods{http.MethodGet: h.branchUpcomingContent})
}

const msgAtInvalid = "Enter a valid RFC 3339 date-time, e.g. 2026-03-29T03:30:00+02:00."

// parseAt reads get-active-content's at parameter (RFC 3339). A '+' of an
// offset that was not percent-encoded arrives as a space; it is read as
// the '+' it was.
func parseAt(raw string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.Replace(raw, " ", "+", 1))
	if err != nil {
		return time.Time{}, rest.Field("at", msgAtInvalid)
	}
	return t, nil
}

// activeContent answers the player. A valid X-API-KEY must be its screen's
// branch key; without one (an unknown key included) a signed-in user with
// access to the screen's branch may look too. Only key callers count as
// the screen being seen. A user may ask what the screen plays at another
// instant (at=<RFC 3339>): computed by the same resolver, outside the
// cache and without touching the screen's health.
func (h *handlers) activeContent(e *core.RequestEvent) error {
	key, _, err := rest.ScreenKey(e)
	if err != nil {
		key = nil // an unknown or malformed key falls back to the token
	}
	var user *core.Record
	if key == nil {
		if user, err = rest.RequireUser(e); err != nil {
			return err
		}
	}
	q := e.Request.URL.Query()
	var at time.Time
	if q.Has("at") {
		if key != nil {
			return rest.Detail(http.StatusForbidden, rest.MsgAtForUsers)
		}
		if at, err = parseAt(q.Get("at")); err != nil {
			return err
		}
	}
	id, err := rest.ScreenID(q.Get("id"))
	if err != nil {
		return err
	}
	screen, err := h.cfg.Player.Screen(id)
	if err != nil {
		return rest.NotFound("DisplayWebsite")
	}
	if key != nil && key.GetString("branch") != screen.GetString("branch") {
		return rest.Detail(http.StatusForbidden, apikey.ErrWrongBranch.Error())
	}
	if user != nil {
		ok, err := access.CanAccessBranch(e.App, user.Id, screen.GetString("branch"))
		if err != nil {
			return err
		}
		if !ok {
			return rest.Detail(http.StatusForbidden, msgNotAllowed)
		}
	}
	var content *playback.Content
	if !at.IsZero() {
		content, err = playback.Compute(e.App, screen, at, h.cfg.Settings.TimeZone)
		return h.contentAnswer(e, content, err)
	}
	now := h.cfg.Now()
	content, err = h.cfg.Player.Content(screen, now)
	if key != nil {
		if herr := h.cfg.Health.Seen(screen.Id, now, content); herr != nil {
			e.App.Logger().Warn("screen health", "screen", screen.Id, "error", herr)
		}
		if content != nil && h.cfg.Delivery != nil {
			h.cfg.Delivery.Delivered(screen.Id, content.Version, now, delivery.ViaREST)
		}
	}
	return h.contentAnswer(e, content, err)
}

// contentAnswer is the player's body, or its two 404s.
func (h *handlers) contentAnswer(e *core.RequestEvent, content *playback.Content, err error) error {
	var body []byte
	if err == nil {
		body = content.JSON
	}
	return rest.ActiveContent(e, body, err)
}

// branchBound is upstream's branch-bound check for the branch overviews:
// the branch_id query parameter, then the X-API-KEY of that branch or a
// user who can access it.
func branchBound(e *core.RequestEvent) (*core.Record, error) {
	raw := e.Request.URL.Query().Get("branch_id")
	if raw == "" {
		return nil, rest.Detail(http.StatusBadRequest, "branch_id is required.")
	}
	branch, err := rest.FindByID(e.App, collections.Branches, raw)
	if err != nil {
		return nil, rest.NotFound("Branch")
	}
	key, present, err := rest.ScreenKey(e)
	if present {
		if err != nil {
			return nil, rest.Detail(http.StatusForbidden, apikey.ErrInvalid.Error())
		}
		if key.GetString("branch") != branch.Id {
			return nil, rest.Detail(http.StatusForbidden, apikey.ErrWrongBranch.Error())
		}
		return branch, nil
	}
	user := rest.OptionalUser(e)
	if user == nil {
		return nil, rest.Detail(http.StatusUnauthorized, "Authentication required.")
	}
	ok, err := access.CanAccessBranch(e.App, user.Id, branch.Id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rest.Detail(http.StatusForbidden, msgNotAllowed)
	}
	return branch, nil
}

// branchSchedules is the branch-bound check, then the schedules of every
// group of the branch, by id.
func branchSchedules(e *core.RequestEvent) (schedule.Input, error) {
	branch, err := branchBound(e)
	if err != nil {
		return schedule.Input{}, err
	}
	groups, err := e.App.FindAllRecords(collections.DisplayWebsiteGroups, dbx.HashExp{"branch": branch.Id})
	if err != nil {
		return schedule.Input{}, err
	}
	sortByID(groups)
	return playback.LoadInput(e.App, groups)
}

func (h *handlers) branchActiveContent(e *core.RequestEvent) error {
	in, err := branchSchedules(e)
	if err != nil {
		return err
	}
	loc := h.cfg.Settings.TimeZone
	byGroup, err := schedule.ActiveForBranch(in, h.cfg.Now(), loc)
	if err != nil {
		return err
	}
	s := shape.New(e.App, loc)
	flat := []any{}
	grouped := make([]any, 0, len(byGroup))
	for _, g := range byGroup {
		items, err := playback.Items(s, g.Items)
		if err != nil {
			return err
		}
		list := make([]any, len(items))
		for i, it := range items {
			it["display_website_group"] = g.Group.Name
			list[i] = it
		}
		flat = append(flat, list...)
		grouped = append(grouped, map[string]any{"display_website_group": g.Group.Name, "items": list})
	}
	q := e.Request.URL.Query()
	page := rest.Paginate(flat, q.Get("page"), q.Get("page_size"), 10)
	return rest.JSON(e, http.StatusOK, struct {
		rest.Page
		Grouped []any `json:"grouped"`
	}{page, grouped})
}

func (h *handlers) branchUpcomingContent(e *core.RequestEvent) error {
	in, err := branchSchedules(e)
	if err != nil {
		return err
	}
	upcoming, err := schedule.Upcoming(in, h.cfg.Now(), h.cfg.Settings.TimeZone, schedule.UpcomingLimit)
	if err != nil {
		return err
	}
	results := make([]any, len(upcoming))
	for i, o := range upcoming {
		entry := map[string]any{
			"type":       o.Type,
			"id":         shape.ID(o.ID),
			"group":      o.GroupName,
			"start_time": schedule.IsoFormat(o.Start),
			"end_time":   nil,
		}
		if !o.End.IsZero() {
			entry["end_time"] = schedule.IsoFormat(o.End)
		}
		if !o.Content.IsZero() {
			entry["content"] = map[string]any{"type": string(o.Content.Kind), "id": shape.ID(o.Content.ID), "name": o.Content.Name}
		}
		results[i] = entry
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"results": results})
}
