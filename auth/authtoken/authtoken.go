// Package authtoken mints and checks the OpenStream tokens.
//
// Access tokens are PocketBase auth tokens (same signing key, type "auth"),
// so one token works on the OpenStream API, on PocketBase's own API and on
// the WebSocket. They also carry simplejwt's claims (token_type, jti, iat and
// user_id as a string), so clients written for upstream read them unchanged.
//
// Every token is signed with the user's tokenKey, which PocketBase renews
// whenever the password or e-mail changes: changing a password therefore
// revokes every access, refresh and password-reset token issued before.
package authtoken

import (
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/collections"
)

// Upstream lifetimes: access 99 999 minutes (the frontend never refreshes),
// refresh one day, password reset one hour.
const (
	DefaultAccessTTL  = 99999 * time.Minute
	DefaultRefreshTTL = 24 * time.Hour
	PasswordResetTTL  = time.Hour
)

// simplejwt token types.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// refreshType is the PocketBase "type" claim of refresh tokens; PocketBase
// knows no such type, so a refresh token is never accepted as an auth token.
const refreshType = "openstreamRefresh"

// Lifetimes are the token durations (settable for operators and tests).
type Lifetimes struct {
	Access  time.Duration
	Refresh time.Duration
}

// DefaultLifetimes are upstream's.
var DefaultLifetimes = Lifetimes{Access: DefaultAccessTTL, Refresh: DefaultRefreshTTL}

// Pair is what /api/token/ and /api/token/refresh/ answer.
type Pair struct {
	Refresh string `json:"refresh"`
	Access  string `json:"access"`
}

// Reasons a token is refused, worded as simplejwt words them.
var (
	ErrExpired   = errors.New("Token is expired")
	ErrInvalid   = errors.New("Token is invalid")
	ErrWrongType = errors.New("Token has wrong type")
	ErrNoUser    = errors.New("Token contained no recognizable user identification")
)

// NewPair mints an access and a refresh token for user.
func NewPair(user *core.Record, life Lifetimes) (Pair, error) {
	access, err := NewAccess(user, life.Access)
	if err != nil {
		return Pair{}, err
	}
	refresh, err := sign(user, refreshKey(user), refreshType, TypeRefresh, life.Refresh)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Refresh: refresh, Access: access}, nil
}

// NewAccess mints an access token, a PocketBase auth token with the simplejwt claims added.
func NewAccess(user *core.Record, ttl time.Duration) (string, error) {
	return sign(user, authKey(user), core.TokenTypeAuth, TypeAccess, ttl)
}

// NewPasswordReset mints a one-hour reset token that PocketBase's own
// confirm-password-reset also accepts. Using it changes the password, which
// renews the signing key: the token works once.
func NewPasswordReset(user *core.Record) (string, error) {
	return security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         core.TokenTypePasswordReset,
		core.TokenClaimId:           user.Id,
		core.TokenClaimCollectionId: user.Collection().Id,
		core.TokenClaimEmail:        user.Email(),
	}, resetKey(user), PasswordResetTTL)
}

// ParseAccess returns the user an access token names. Errors are one of the
// Err values above, or ErrNoUser.
func ParseAccess(app core.App, raw string) (*core.Record, error) {
	return parse(app, raw, core.TokenTypeAuth, authKey)
}

// ParseRefresh returns the user a refresh token names.
func ParseRefresh(app core.App, raw string) (*core.Record, error) {
	return parse(app, raw, refreshType, refreshKey)
}

// ParsePasswordReset returns the user of a reset token; ErrExpired when it
// is older than an hour, ErrInvalid when it is anything else but valid.
func ParsePasswordReset(app core.App, raw string) (*core.Record, error) {
	user, err := parse(app, raw, core.TokenTypePasswordReset, resetKey)
	if err != nil {
		if err != ErrExpired {
			err = ErrInvalid
		}
		return nil, err
	}
	claims, _ := security.ParseUnverifiedJWT(raw)
	if email, _ := claims[core.TokenClaimEmail].(string); email != user.Email() {
		return nil, ErrInvalid // the address changed since the mail went out
	}
	return user, nil
}

func sign(user *core.Record, key, pbType, djangoType string, ttl time.Duration) (string, error) {
	if user.Collection().Name != collections.Users {
		return "", core.ErrNotAuthRecord
	}
	return security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         pbType,
		core.TokenClaimId:           user.Id,
		core.TokenClaimCollectionId: user.Collection().Id,
		core.TokenClaimRefreshable:  pbType == core.TokenTypeAuth,
		"token_type":                djangoType,
		"jti":                       strings.ReplaceAll(uuid.NewString(), "-", ""),
		"iat":                       time.Now().Unix(),
		"user_id":                   user.Id,
	}, key, ttl)
}

func parse(app core.App, raw, wantType string, key func(*core.Record) string) (*core.Record, error) {
	claims, err := security.ParseUnverifiedJWT(raw)
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, ErrExpired
	}
	if err != nil {
		return nil, ErrInvalid
	}
	if typ, _ := claims[core.TokenClaimType].(string); typ != wantType {
		if typ == "" {
			return nil, ErrInvalid
		}
		return nil, ErrWrongType
	}
	id, _ := claims[core.TokenClaimId].(string)
	if id == "" {
		return nil, ErrNoUser
	}
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		return nil, err
	}
	if colId, _ := claims[core.TokenClaimCollectionId].(string); colId != users.Id {
		return nil, ErrNoUser
	}
	user, err := app.FindRecordById(users, id)
	if err != nil {
		// Without the user there is no key to check the signature with, so
		// a deleted user's token and a forged one look the same: invalid.
		return nil, ErrInvalid
	}
	if _, err := security.ParseJWT(raw, key(user)); err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, ErrExpired
		}
		return nil, ErrInvalid
	}
	return user, nil
}

func authKey(u *core.Record) string { return u.TokenKey() + u.Collection().AuthToken.Secret }
func refreshKey(u *core.Record) string {
	return u.TokenKey() + u.Collection().AuthToken.Secret + ":refresh"
}
func resetKey(u *core.Record) string { return u.TokenKey() + u.Collection().PasswordResetToken.Secret }
