package assets

import (
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// slideTypes lists the slide types registered for an organisation: the
// screen key's organisation in the player, org_id in the editor.
func (h *handlers) slideTypes(e *core.RequestEvent) error {
	org, err := slideTypeOrg(e)
	if err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.RegisteredSlideTypes, dbx.HashExp{"organisation": org})
	if err != nil {
		return err
	}
	sortBy(rs, "slide_type_id")
	return rest.JSON(e, http.StatusOK, objects(rs, h.shaper(e).SlideType))
}

func slideTypeOrg(e *core.RequestEvent) (string, error) {
	key, present, err := rest.ScreenKey(e)
	if present {
		if err != nil {
			return "", rest.Detail(http.StatusForbidden, apikey.ErrInvalid.Error())
		}
		return branchOrg(e.App, key.GetString("branch"))
	}
	user, err := rest.RequireUser(e)
	if err != nil {
		// Upstream's own words for an anonymous caller; a broken token
		// keeps simplejwt's answer.
		var apiErr *rest.Error
		if errors.As(err, &apiErr) {
			if body, ok := apiErr.Body.(map[string]any); ok && body["detail"] == rest.MsgNotAuthenticated {
				return "", rest.Detail(http.StatusUnauthorized, "Authentication required.")
			}
		}
		return "", err
	}
	ident := e.Request.URL.Query().Get("org_id")
	if ident == "" {
		return "", rest.Keyed(http.StatusBadRequest, "error", "org_id parameter is required")
	}
	org, err := access.ResolveOrganisation(e.App, ident)
	if errors.Is(err, access.ErrNotFound) {
		return "", rest.Keyed(http.StatusNotFound, "error", "Organisation not found")
	}
	if err != nil {
		return "", err
	}
	ok, err := access.BelongsToOrg(e.App, user.Id, org.Id)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", rest.Keyed(http.StatusForbidden, "error", "You do not have permission to access slide types for this organisation")
	}
	return org.Id, nil
}
