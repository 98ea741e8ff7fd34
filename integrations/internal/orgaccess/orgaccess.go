// Package orgaccess is the OrganisationAPIAccess rule (docs/api.md,
// "Slide-type data sources", grants): an integration serves a caller only when
// the caller's organisation has an active grant for it. Screens are judged by
// their key's branch, users by their primary membership; super admins always
// pass.
package orgaccess

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// Integration names one granted API and how its refusals read.
type Integration struct {
	// Name is the api_name value: "winkas", "kmd" or "speedadmin".
	Name string
	// Label is the name in "Your organisation does not have access to <Label> API".
	Label string
}

// The integrations that need a grant (their api_name and label).
var (
	WinKAS     = Integration{Name: "winkas", Label: "WinKAS"}
	KMD        = Integration{Name: "kmd", Label: "KMD"}
	SpeedAdmin = Integration{Name: "speedadmin", Label: "SpeedAdmin"}
)

func (in Integration) refused() error {
	return rest.Keyed(http.StatusForbidden, "error", "Your organisation does not have access to "+in.Label+" API")
}

// RequireKeyOrUser lets a screen (X-API-KEY) or a signed-in user through.
// A key, when sent, decides alone; upstream's anonymous 500 is a 401 here.
func RequireKeyOrUser(e *core.RequestEvent, in Integration) error {
	key, present, err := rest.ScreenKey(e)
	if !present {
		return RequireUser(e, in)
	}
	if errors.Is(err, apikey.ErrInvalid) {
		return rest.Keyed(http.StatusForbidden, "error", apikey.ErrInvalid.Error())
	}
	if err != nil {
		return err
	}
	org, err := access.BranchOrganisation(e.App, key.GetString("branch"))
	if err != nil {
		return err
	}
	return in.check(e.App, org)
}

// RequireUser lets a signed-in user through; an X-API-KEY is ignored, as
// upstream's SpeedAdmin views ignore it.
func RequireUser(e *core.RequestEvent, in Integration) error {
	user, err := rest.RequireUser(e)
	if err != nil {
		return err
	}
	super, err := access.IsSuperAdmin(e.App, user.Id)
	if err != nil || super {
		return err
	}
	org, err := primaryOrganisation(e.App, user.Id)
	if err != nil {
		return err
	}
	return in.check(e.App, org)
}

func (in Integration) check(app core.App, orgID string) error {
	if orgID == "" {
		return in.refused()
	}
	var id string
	err := app.DB().Select("id").From(collections.OrganisationAPIAccess).
		Where(dbx.HashExp{"organisation": orgID, "api_name": in.Name, "is_active": true}).
		Limit(1).Row(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return in.refused()
	case err != nil:
		return err
	}
	return nil
}

// primaryOrganisation is the organisation of the user's membership with the
// lowest id (upstream's first row). Ids are digits without leading zeros,
// so ordering by length, then text, is numeric order. Every role but
// super_admin names its organisation (roles.Shapes), and super admins never
// get here.
func primaryOrganisation(app core.App, userID string) (string, error) {
	var org string
	err := app.DB().Select("organisation").
		From(collections.Memberships).
		Where(dbx.HashExp{"user": userID}).
		OrderBy("length(id)", "id").
		Limit(1).Row(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return org, err
}
