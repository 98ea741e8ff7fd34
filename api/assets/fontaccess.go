package assets

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// fontOrg is the organisation whose fonts are read: organisation_id, else
// the organisation of the screen named by displayWebsiteId,
// display_website_id or id (the player knows only its screen). A screen
// key must belong to that screen's branch, or to the organisation asked
// for; without a key the caller must be a member (upstream answers an
// anonymous caller with a 500).
func fontOrg(e *core.RequestEvent) (*core.Record, error) {
	key, hasKey, err := rest.ScreenKey(e)
	if hasKey && err != nil {
		return nil, rest.Detail(http.StatusForbidden, "Invalid API key.")
	}
	var user *core.Record
	if !hasKey {
		if user, err = rest.RequireUser(e); err != nil {
			return nil, err
		}
	}
	q := e.Request.URL.Query()
	var org *core.Record
	if q.Get("organisation_id") != "" {
		if org, err = queryOrg(e); err != nil {
			return nil, err
		}
		if hasKey {
			keyOrg, err := branchOrg(e.App, key.GetString("branch"))
			if err != nil {
				return nil, err
			}
			if keyOrg != org.Id {
				return nil, rest.Detail(http.StatusForbidden, "API key does not grant access to this organisation.")
			}
		}
	} else if org, err = screenOrg(e, key); err != nil {
		return nil, err
	}
	if user != nil {
		ok, err := access.BelongsToOrg(e.App, user.Id, org.Id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, rest.Detail(http.StatusForbidden, msgNoAccess)
		}
	}
	return org, nil
}

// screenOrg resolves the organisation through the screen the query names.
func screenOrg(e *core.RequestEvent, key *core.Record) (*core.Record, error) {
	q := e.Request.URL.Query()
	var screenID string
	for _, name := range []string{"displayWebsiteId", "display_website_id", "id"} {
		if screenID = q.Get(name); screenID != "" {
			break
		}
	}
	if screenID == "" {
		return nil, rest.Detail(http.StatusBadRequest, "organisation_id parameter is required.")
	}
	screen, err := rest.FindByID(e.App, collections.DisplayWebsites, screenID)
	if err != nil {
		return nil, rest.Detail(http.StatusNotFound, "Display website not found.")
	}
	branch := screen.GetString("branch")
	orgID, err := branchOrg(e.App, branch)
	if err != nil {
		return nil, err
	}
	if orgID == "" {
		return nil, rest.Detail(http.StatusBadRequest, "Display website missing branch/suborganisation.")
	}
	if key != nil && key.GetString("branch") != branch {
		return nil, rest.Detail(http.StatusForbidden, apikey.ErrWrongBranch.Error())
	}
	org, err := e.App.FindRecordById(collections.Organisations, orgID)
	if err != nil {
		return nil, rest.Detail(http.StatusNotFound, "Organization not found.")
	}
	return org, nil
}
