package api

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// The endpoints of docs/api.md, "API keys".
func (h *handlers) apiKeyRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/branch-api-key", rest.Methods{http.MethodGet: rest.Authed(h.branchAPIKey)})
	rest.Route(r, "/api/frontdesk_ltk_borgerservice_api_key", rest.Methods{http.MethodGet: rest.Authed(h.frontdeskAPIKey)})
	gone := func(e *core.RequestEvent) error {
		// Upstream always crashed here: personal API keys were removed.
		return rest.Detail(http.StatusGone, "User API keys no longer exist; screens use their branch's key (GET /api/branch-api-key).")
	}
	rest.Route(r, "/api/get-user-api-key/", rest.Methods{http.MethodGet: gone, http.MethodPost: gone})
}

// branchAPIKey: super admins, org admins of the branch's organisation and
// suborg admins of its suborganisation may read a branch's screen key.
// Everyone else learns nothing, not even whether the branch exists.
func (h *handlers) branchAPIKey(e *core.RequestEvent, user *core.Record) error {
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil {
		return err
	}
	branchID, err := rest.Param(e, "branch_id")
	if err != nil {
		return err
	}
	if branchID == "" {
		if super {
			return rest.Detail(http.StatusForbidden, "branch_id is required.")
		}
		return rest.PermissionDenied()
	}
	branch, err := findHidden(e.App, collections.Branches, branchID, "Branch", super)
	if err != nil {
		return err
	}
	ok, err := access.CanManageSuborg(e.App, user.Id, branch.GetString("suborganisation"))
	if err != nil {
		return err
	}
	if !ok {
		return rest.PermissionDenied()
	}
	key, err := apikey.ForBranch(e.App, branch.Id)
	if errors.Is(err, apikey.ErrNoKey) {
		return rest.Detail(http.StatusNotFound, err.Error())
	}
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"branch_id": rest.ID(branch.Id),
		"api_key":   key.GetString("key"),
		"is_active": key.GetBool("is_active"),
	})
}

func (h *handlers) frontdeskAPIKey(e *core.RequestEvent, _ *core.Record) error {
	var key any
	if h.cfg.Settings.FrontdeskAPIKey != "" {
		key = h.cfg.Settings.FrontdeskAPIKey
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"apiKey": key})
}

// findHidden finds a record by an outside id. To anyone but a super admin a
// missing record is the same 403 as a forbidden one, so ids reveal nothing.
func findHidden(app core.App, collection, id, model string, super bool) (*core.Record, error) {
	rec, err := rest.FindByID(app, collection, id)
	switch {
	case err == nil:
		return rec, nil
	case super:
		return nil, rest.NotFound(model)
	}
	return nil, rest.PermissionDenied()
}
