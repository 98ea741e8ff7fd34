package rest

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/schedule"
)

// Answers of get-active-content (docs/api.md, "Active and upcoming
// content") that serve and the edges (realtime/edge) give alike.
const (
	MsgScreenIDNeeded = "Display website ID is required."
	MsgAtForUsers     = "The at parameter is only for signed-in users, not for screens."
)

// ScreenID reads get-active-content's id parameter: a 400 without it,
// DRF's 404 when it cannot name a screen.
func ScreenID(raw string) (string, error) {
	if raw == "" {
		return "", Detail(http.StatusBadRequest, MsgScreenIDNeeded)
	}
	id, ok := collections.ParseID(raw)
	if !ok {
		return "", NotFound("DisplayWebsite")
	}
	return id, nil
}

// ActiveContent answers the player's body, or its two 404s (no group,
// nothing to play); any other err is the handler's failure.
func ActiveContent(e *core.RequestEvent, body []byte, err error) error {
	switch {
	case errors.Is(err, schedule.ErrNoGroup), errors.Is(err, schedule.ErrNoDefaultContent):
		return Detail(http.StatusNotFound, err.Error())
	case err != nil:
		return err
	}
	return RawJSON(e, http.StatusOK, body)
}
