package editors

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// authenticate handles the first message: nil when it authenticated the
// socket, else how the socket ends.
func (s *session) authenticate(raw []byte) *final {
	token, e := decodeAuth(raw)
	if e != nil {
		return closing(e)
	}
	user, e := userOfToken(s.ed.app, token)
	if e != nil {
		return closing(e)
	}
	s.userID = user.Id
	return nil
}

// userOfToken is the active user of an access token (the same tokens the
// REST API and Keycloak logins issue), or the pre-auth error: 4001 for an
// invalid, expired or wrong-type token and for an inactive user, 4004 for a
// token naming no user. A deleted user's token cannot be verified (its key
// died with the user), so it is invalid (4001), as the REST API has it.
func userOfToken(app core.App, token string) (*core.Record, *wsconn.Error) {
	user, err := authtoken.ParseAccess(app, token)
	switch {
	case err == nil && user.GetBool("is_active"):
		return user, nil
	case err == nil:
		return nil, wsErr(wsconn.CodeUnauthorized, errMissingAuth)
	case errors.Is(err, authtoken.ErrNoUser):
		return nil, wsErr(wsconn.CodeNotFound, errMissingAuth)
	case errors.Is(err, authtoken.ErrExpired), errors.Is(err, authtoken.ErrInvalid), errors.Is(err, authtoken.ErrWrongType):
		return nil, wsErr(wsconn.CodeUnauthorized, errMissingAuth)
	}
	app.Logger().Error("realtime: editor token check failed", "error", err)
	return nil, wsErr(wsconn.CodeGeneric, errGeneric)
}
