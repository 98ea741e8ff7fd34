package rest

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
)

// ScreenKey resolves the X-API-KEY header to its active key record (the
// branch id is key.GetString("branch")). present is false without the
// header; a malformed, unknown or switched-off value is apikey.ErrInvalid.
func ScreenKey(e *core.RequestEvent) (key *core.Record, present bool, err error) {
	raw := e.Request.Header.Get("X-Api-Key")
	if raw == "" {
		return nil, false, nil
	}
	key, err = apikey.Resolve(e.App, raw)
	return key, true, err
}
