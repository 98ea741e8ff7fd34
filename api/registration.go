package api

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// docs/api.md, "Screen registration": screens register themselves with their
// branch's API key (the apiKey parameter), without a user.
func (h *handlers) registrationRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/create-screen/", rest.Methods{http.MethodPost: h.createScreen})
	rest.Route(r, "/api/check-screen-group/", rest.Methods{http.MethodGet: h.checkScreenGroup})
	rest.Route(r, "/api/register-screen/", rest.Methods{http.MethodGet: h.registerScreen})
}

// registrationKey resolves the apiKey parameter (body, then query) to its
// active key record, with upstream's {"error": ...} answers.
func registrationKey(e *core.RequestEvent) (*core.Record, string, error) {
	raw, err := rest.Param(e, "apiKey")
	if err != nil {
		return nil, "", err
	}
	if raw == "" {
		return nil, "", rest.Keyed(http.StatusBadRequest, "error", "API key is required.")
	}
	key, err := apikey.Resolve(e.App, raw)
	if err != nil {
		return nil, raw, rest.Keyed(http.StatusBadRequest, "error", "Invalid API key.")
	}
	return key, raw, nil
}

func (h *handlers) createScreen(e *core.RequestEvent) error {
	key, _, err := registrationKey(e)
	if err != nil {
		return err
	}
	if ok, wait := h.throttle.allow(key.Id); !ok {
		return throttled(wait)
	}
	p, err := screenParams(e)
	if err != nil {
		return err
	}
	branchID := key.GetString("branch")
	var screen *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		if p.uid != "" {
			found, err := claimByUID(tx, branchID, p)
			if err != nil || found != nil {
				screen = found
				return err
			}
		}
		screen, err = newScreen(tx, branchID, p)
		return err
	})
	if err != nil {
		return registrationError(err)
	}
	h.seen(e, screen)
	return rest.JSON(e, http.StatusOK, map[string]any{
		"screenId": rest.ID(screen.Id), "name": screen.GetString("name"), "branch_id": rest.ID(branchID),
	})
}

// throttled is DRF's 429 with the seconds until the next allowed request.
func throttled(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	err := rest.Detail(http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit))
	err.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	return err
}

// screenParams are the optional device parameters: a device-management
// uid, the hostname that becomes the screen's name, the aspect ratio.
type screenParamSet struct{ uid, hostname, aspectRatio string }

func screenParams(e *core.RequestEvent) (screenParamSet, error) {
	var p screenParamSet
	for _, f := range []struct {
		name string
		dst  *string
		max  int
	}{{"uid", &p.uid, 64}, {"hostname", &p.hostname, 255}, {"aspect_ratio", &p.aspectRatio, 10}} {
		v, err := rest.Param(e, f.name)
		if err != nil {
			return p, err
		}
		if len([]rune(v)) > f.max {
			return p, rest.Keyed(http.StatusBadRequest, "error", fmt.Sprintf("%s must have at most %d characters.", f.name, f.max))
		}
		*f.dst = v
	}
	if p.aspectRatio == "" {
		p.aspectRatio = collections.DefaultAspectRatio
	}
	return p, nil
}

// claimByUID finds the screen with uid: in the key's branch it is renamed
// to hostname when that differs; elsewhere in the organisation it moves to
// the branch and loses its group ("not activated"). nil when none has it.
func claimByUID(app core.App, branchID string, p screenParamSet) (*core.Record, error) {
	if s, err := app.FindFirstRecordByFilter(collections.DisplayWebsites, "uid = {:uid} && branch = {:b}",
		dbx.Params{"uid": p.uid, "b": branchID}); err == nil {
		if p.hostname != "" && s.GetString("name") != p.hostname {
			return s, rename(app, s, p.hostname)
		}
		return s, nil
	}
	org, err := access.BranchOrganisation(app, branchID)
	if err != nil {
		return nil, err
	}
	others, err := app.FindRecordsByFilter(collections.DisplayWebsites,
		"uid = {:uid} && branch.suborganisation.organisation = {:org}", "id", 1, 0, dbx.Params{"uid": p.uid, "org": org})
	if err != nil || len(others) == 0 {
		return nil, err
	}
	s := others[0]
	s.Set("branch", branchID)
	s.Set("display_website_group", "")
	name := s.GetString("name")
	if p.hostname != "" {
		name = p.hostname
	}
	return s, rename(app, s, name)
}

// rename saves s under name, made unique in its branch.
func rename(app core.App, s *core.Record, name string) error {
	unique, err := uniqueScreenName(app, s.GetString("branch"), name, s.Id)
	if err != nil {
		return err
	}
	s.Set("name", unique)
	return app.Save(s)
}

// newScreen creates a screen named after the hostname, else "SCR<id>".
func newScreen(app core.App, branchID string, p screenParamSet) (*core.Record, error) {
	s, err := collections.NewRecord(app, collections.DisplayWebsites)
	if err != nil {
		return nil, err
	}
	s.Set("branch", branchID)
	s.Set("uid", p.uid)
	s.Set("aspect_ratio", p.aspectRatio)
	if p.hostname != "" {
		return s, rename(app, s, p.hostname)
	}
	s.Set("name", "SCR-pending-"+security.RandomString(12))
	if err := app.Save(s); err != nil {
		return nil, err
	}
	return s, rename(app, s, "SCR"+s.Id)
}

// uniqueScreenName is want, or "want (2)", "want (3)"... when another
// screen of the branch has it: a device keeps registering under its
// hostname instead of failing on upstream's unique-name error.
func uniqueScreenName(app core.App, branchID, want, exceptID string) (string, error) {
	name := want
	for n := 2; ; n++ {
		var count int
		err := app.DB().Select("COUNT(*)").From(collections.DisplayWebsites).
			Where(dbx.HashExp{"branch": branchID, "name": name}).AndWhere(dbx.Not(dbx.HashExp{"id": exceptID})).Row(&count)
		if err != nil || count == 0 {
			return name, err
		}
		suffix := fmt.Sprintf(" (%d)", n)
		name = truncate(want, 255-len(suffix)) + suffix
	}
}

func truncate(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max])
}

// registrationError turns a refused save (e.g. an aspect ratio too long)
// into the {"error": ...} shape the registration page shows.
func registrationError(err error) error {
	err = rest.Invalid(err, nil)
	fields := fieldErrors(err)
	if len(fields) == 0 {
		return err
	}
	keys := slices.Sorted(maps.Keys(fields))
	return rest.Keyed(http.StatusBadRequest, "error", keys[0]+": "+fields[keys[0]][0])
}

// seen records a registration call as a sign of life.
func (h *handlers) seen(e *core.RequestEvent, screen *core.Record) {
	if err := h.cfg.Health.Seen(screen.Id, h.cfg.Now(), nil); err != nil {
		e.App.Logger().Warn("screen health", "screen", screen.Id, "error", err)
	}
}

func (h *handlers) checkScreenGroup(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	if q.Get("screenId") == "" || q.Get("apiKey") == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Missing required parameters")
	}
	key, _, err := registrationKey(e)
	if err != nil {
		return err
	}
	branchID := key.GetString("branch")
	notFound := rest.Keyed(http.StatusNotFound, "error", "Screen not found")
	var screen *core.Record
	if uid := q.Get("uid"); uid != "" {
		err := e.App.RunInTransaction(func(tx core.App) error {
			var err error
			screen, err = claimByUID(tx, branchID, screenParamSet{uid: uid, hostname: q.Get("hostname")})
			return err
		})
		if err != nil {
			return registrationError(err)
		}
	} else if s, err := rest.FindByID(e.App, collections.DisplayWebsites, q.Get("screenId")); err == nil && s.GetString("branch") == branchID {
		screen = s
	}
	if screen == nil {
		return notFound
	}
	h.seen(e, screen)
	groupID := screen.GetString("display_website_group")
	if groupID == "" {
		return rest.JSON(e, http.StatusOK, map[string]any{"groupId": nil})
	}
	g, err := e.App.FindRecordById(collections.DisplayWebsiteGroups, groupID)
	if err != nil {
		return rest.JSON(e, http.StatusOK, map[string]any{"groupId": nil})
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"groupId": rest.ID(g.Id), "groupName": g.GetString("name")})
}

func (h *handlers) registerScreen(e *core.RequestEvent) error {
	key, raw, err := registrationKey(e)
	if err != nil {
		return err
	}
	branch, err := e.App.FindRecordById(collections.Branches, key.GetString("branch"))
	if err != nil {
		return err
	}
	var screen any
	if id := e.Request.URL.Query().Get("screenId"); id != "" {
		if s, err := rest.FindByID(e.App, collections.DisplayWebsites, id); err == nil && s.GetString("branch") == branch.Id {
			screen = h.displayJSON(s)
		}
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"screen": screen, "api_key": raw, "branch_id": rest.ID(branch.Id), "branch_name": branch.GetString("name"),
	})
}
