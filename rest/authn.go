package rest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
)

// RequireUser runs upstream's authentication pipeline (docs/api.md,
// "Authentication") and returns the signed-in user, or the 401 upstream
// answers.
func RequireUser(e *core.RequestEvent) (*core.Record, error) {
	user, err := authenticate(e)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return nil, NotAuthenticated()
	}
	return user, nil
}

// UserHandler is a handler for signed-in users only.
type UserHandler func(e *core.RequestEvent, user *core.Record) error

// Authed declares sign-in on the route: it answers anonymous callers with
// upstream's 401 (RequireUser) and hands fn the signed-in user, so handlers
// carry no preamble of their own.
func Authed(fn UserHandler) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		user, err := RequireUser(e)
		if err != nil {
			return err
		}
		return fn(e, user)
	}
}

// OptionalUser returns the signed-in user or nil. Unlike upstream, a broken
// or stale Bearer token makes the caller anonymous instead of failing the
// request: the frontend sends "Bearer null" when it has no token.
func OptionalUser(e *core.RequestEvent) *core.Record {
	user, err := authenticate(e)
	if err != nil {
		return nil
	}
	return user
}

// authenticate returns (nil, nil) for anonymous requests.
func authenticate(e *core.RequestEvent) (*core.Record, error) {
	header := e.Request.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(header, " ")
	if scheme != "Bearer" {
		return nil, nil // another scheme, or none, is anonymous in simplejwt
	}
	parts := strings.Split(header, " ")
	if len(parts) != 2 {
		return nil, withAuthenticate(&Error{Status: http.StatusUnauthorized, Body: map[string]any{
			"detail": "Authorization header must contain two space-delimited values",
			"code":   "bad_authorization_header",
		}})
	}
	// PocketBase's own middleware has already verified this header's token
	// and loaded its user; only a refused token is parsed again here, to
	// tell the caller why in simplejwt's words.
	if e.Auth != nil && e.Auth.Collection().Name == collections.Users && e.Auth.GetBool("is_active") {
		return e.Auth, nil
	}
	user, err := authtoken.ParseAccess(e.App, parts[1])
	switch {
	case errors.Is(err, authtoken.ErrNoUser):
		return nil, withAuthenticate(&Error{Status: http.StatusUnauthorized, Body: map[string]any{
			"detail": err.Error(),
			"code":   "token_not_valid",
		}})
	case err != nil:
		return nil, TokenNotValid("AccessToken", authtoken.TypeAccess, err)
	case !user.GetBool("is_active"):
		return nil, withAuthenticate(&Error{Status: http.StatusUnauthorized, Body: map[string]any{
			"detail": "User is inactive",
			"code":   "user_inactive",
		}})
	}
	return user, nil
}

// TokenNotValid is simplejwt's 401 for a token that failed its checks.
func TokenNotValid(class, typ string, reason error) *Error {
	msg := authtoken.ErrInvalid.Error()
	for _, known := range []error{authtoken.ErrExpired, authtoken.ErrWrongType, authtoken.ErrInvalid} {
		if errors.Is(reason, known) {
			msg = known.Error()
		}
	}
	return withAuthenticate(&Error{Status: http.StatusUnauthorized, Body: map[string]any{
		"detail":   "Given token not valid for any token type",
		"code":     "token_not_valid",
		"messages": []map[string]string{{"token_class": class, "token_type": typ, "message": msg}},
	}})
}
