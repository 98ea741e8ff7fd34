package assets

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

func (h *handlers) getTextFmt(e *core.RequestEvent) error {
	_, org, err := userOrg(e, readers, msgNoAccess)
	if err != nil {
		return err
	}
	s, err := textFmt(e.App, org.Id)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.TextFmt(s))
}

func (h *handlers) patchTextFmt(e *core.RequestEvent) error {
	_, org, err := userOrg(e, admins, adminOnly+"modify toolbar options.")
	if err != nil {
		return err
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	s, err := textFmt(e.App, org.Id)
	if err != nil {
		return err
	}
	for _, key := range []string{"allow_bold", "allow_italic", "allow_underline"} {
		if v, ok := f.Boolean(key); ok {
			s.Set(key, v)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(s); err != nil {
		return rest.Invalid(err, nil)
	}
	return rest.JSON(e, http.StatusOK, shape.TextFmt(s))
}

// textFmt returns the organisation's settings, created with everything
// allowed on first use. Two first requests at once both try to create;
// the loser reads the winner's row.
func textFmt(app core.App, orgID string) (*core.Record, error) {
	if s, err := app.FindFirstRecordByData(collections.TextFormattingSettings, "organisation", orgID); err == nil {
		return s, nil
	}
	s, err := collections.NewRecord(app, collections.TextFormattingSettings)
	if err != nil {
		return nil, err
	}
	s.Set("organisation", orgID)
	if err := app.Save(s); err != nil {
		if existing, ferr := app.FindFirstRecordByData(collections.TextFormattingSettings, "organisation", orgID); ferr == nil {
			return existing, nil
		}
		return nil, err
	}
	return s, nil
}
