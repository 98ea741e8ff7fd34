package api

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/rest"
)

// The endpoints of docs/api.md, "Tokens".
func (h *handlers) tokenRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/token/", rest.Methods{http.MethodPost: h.obtainToken})
	rest.Route(r, "/api/token/refresh/", rest.Methods{http.MethodPost: h.refreshToken})
	rest.Route(r, "/api/token/validate/", rest.Methods{http.MethodGet: rest.Authed(h.validateToken)})
	rest.Route(r, "/api/get-username/", rest.Methods{http.MethodGet: rest.Authed(h.getUsername)})
}

var errNoAccount = &rest.Error{
	Status: http.StatusUnauthorized,
	Body:   map[string]any{"detail": "No active account found with the given credentials"},
	Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}},
}

// obtainToken is simplejwt's TokenObtainPairView with upstream's e-mail
// login: the username field may hold a username or an e-mail address.
// Failed attempts count against the account and the client address
// (docs/api.md, "Sign-in limits").
func (h *handlers) obtainToken(e *core.RequestEvent) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	in := f.Required("username", "password")
	if err := f.Err(); err != nil {
		return err
	}
	user, err := findLoginUser(e.App, in["username"])
	if err != nil {
		return err
	}
	account, err := loginAccount(e.App, user, in["username"])
	if err != nil {
		return err
	}
	attempt, err := h.begin(e, account)
	if err != nil {
		return err
	}
	if err := checkLogin(e.App, user, in["password"]); err != nil {
		return err
	}
	attempt.Succeeded(e.Request.Context())
	pair, err := authtoken.NewPair(user, h.cfg.Tokens)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, pair)
}

// Login checks a username-or-e-mail and password the way /api/token/ does
// and returns the active user, or the 401 every failure shares.
func Login(app core.App, identity, password string) (*core.Record, error) {
	user, err := findLoginUser(app, identity)
	if err != nil {
		return nil, err
	}
	if err := checkLogin(app, user, password); err != nil {
		return nil, err
	}
	return user, nil
}

// findLoginUser is the user a username or e-mail address names, or nil.
func findLoginUser(app core.App, identity string) (*core.Record, error) {
	username := identity
	var byEmail []*core.Record
	err := app.RecordQuery(collections.Users).AndWhere(dbx.HashExp{"email": identity}).Limit(2).All(&byEmail)
	if err != nil {
		return nil, err
	}
	if len(byEmail) == 1 {
		username = byEmail[0].GetString("username")
	}
	user, err := app.FindFirstRecordByData(collections.Users, "username", username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return user, err
}

// checkLogin checks password against user (nil when nobody has the
// identity). Unknown and inactive users cost one password hash too, so
// the answer's time does not tell them from a wrong password.
func checkLogin(app core.App, user *core.Record, password string) error {
	if user == nil {
		spendPasswordCheck(app, password)
		return errNoAccount
	}
	if !user.GetBool("is_active") {
		_ = user.ValidatePassword(password)
		return errNoAccount
	}
	if user.ValidatePassword(password) {
		return nil
	}
	// An imported Django hash is checked, and on a match re-hashed (which
	// clears it). One bcrypt comparison per attempt, as for unknown users.
	if user.GetString(collections.DjangoPasswordField) == "" {
		return errNoAccount
	}
	if err := hooks.UpgradeDjangoPassword(app, user, password); err != nil {
		return err
	}
	if user.GetString(collections.DjangoPasswordField) != "" {
		return errNoAccount
	}
	return nil
}

// refreshToken rotates: every call answers a new refresh token too.
func (h *handlers) refreshToken(e *core.RequestEvent) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	in := f.Required("refresh")
	if err := f.Err(); err != nil {
		return err
	}
	user, err := authtoken.ParseRefresh(e.App, in["refresh"])
	if err != nil {
		if errors.Is(err, authtoken.ErrNoUser) {
			err = authtoken.ErrInvalid
		}
		return &rest.Error{Status: http.StatusUnauthorized, Body: map[string]any{"detail": err.Error(), "code": "token_not_valid"},
			Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
	}
	if !user.GetBool("is_active") {
		return rest.Detail(http.StatusUnauthorized, "No active account found for the given token.")
	}
	pair, err := authtoken.NewPair(user, h.cfg.Tokens)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}{pair.Access, pair.Refresh})
}

// validateToken also answers "valid": the frontend reads data.valid, which
// upstream never sent.
func (h *handlers) validateToken(e *core.RequestEvent, _ *core.Record) error {
	return rest.JSON(e, http.StatusOK, map[string]any{"detail": "Token is valid", "valid": true})
}

func (h *handlers) getUsername(e *core.RequestEvent, user *core.Record) error {
	return rest.JSON(e, http.StatusOK, map[string]any{"username": user.GetString("username")})
}
