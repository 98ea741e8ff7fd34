package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/routine"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/auth/loginlimit"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// minPasswordLength is upstream's reset rule and PocketBase's minimum.
const minPasswordLength = 8

// The endpoints of docs/api.md, "Passwords and mail".
func (h *handlers) passwordRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/user/change-password/", rest.Methods{http.MethodPost: rest.Authed(h.changePassword)})
	rest.Route(r, "/api/reset-password/", rest.Methods{http.MethodPost: h.resetPassword})
	rest.Route(r, "/api/confirm-password-reset/", rest.Methods{http.MethodPost: h.confirmPasswordReset})
	rest.Route(r, "/api/send-login-email/", rest.Methods{http.MethodPost: rest.Authed(h.sendLoginEmail)})
}

// changePassword also answers a fresh token pair: the change renews the
// user's signing key, so the token that made this call stops working.
func (h *handlers) changePassword(e *core.RequestEvent, user *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	in := f.Required("old_password", "new_password", "confirm_password")
	if err := f.Err(); err != nil {
		return err
	}
	// A wrong old password counts as a failed sign-in.
	attempt, err := h.begin(e, loginlimit.RecordAccount(user))
	if err != nil {
		return err
	}
	if !checkPassword(user, in["old_password"]) {
		return rest.Field("old_password", "Old password is incorrect.")
	}
	attempt.Succeeded(e.Request.Context())
	if in["new_password"] != in["confirm_password"] {
		return rest.Field("confirm_password", "New passwords do not match.")
	}
	if err := setPassword(e.App, user, in["new_password"]); err != nil {
		var fe *rest.Error
		if errors.As(err, &fe) {
			return rest.Field("new_password", fe.Body.(map[string]any)["error"].(string))
		}
		return err
	}
	pair, err := authtoken.NewPair(user, h.cfg.Tokens)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"message": "Password updated successfully",
		"access":  pair.Access,
		"refresh": pair.Refresh,
	})
}

// checkPassword accepts the PocketBase password or, for a user imported
// from upstream who has not logged in since, the Django hash.
func checkPassword(user *core.Record, password string) bool {
	if user.ValidatePassword(password) {
		return true
	}
	hash := user.GetString(collections.DjangoPasswordField)
	return hash != "" && djangohash.Check(password, hash)
}

// setPassword replaces the password (and any imported Django hash). A
// password PocketBase refuses comes back as a 400 {"error": ...}.
func setPassword(app core.App, user *core.Record, password string) error {
	if len(password) < minPasswordLength {
		return rest.Keyed(http.StatusBadRequest, "error", fmt.Sprintf("Password must be at least %d characters long.", minPasswordLength))
	}
	user.SetPassword(password)
	user.Set(collections.DjangoPasswordField, "")
	err := app.Save(user)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		for _, fieldErr := range verrs {
			return rest.Keyed(http.StatusBadRequest, "error", "Password: "+fieldErr.Error()+".")
		}
	}
	return err
}

// resetAnswer is the reset's only answer, whether or not the address has an
// account and whether or not the mail goes out, so it tells nobody which
// addresses have accounts.
var resetAnswer = map[string]any{
	"message": "If this email address is associated with an account, you will receive a password reset link.",
}

// resetPassword mails a reset link to the address's account, if it has one.
// The mail is sent after the answer; a failure is logged as an error for
// the operators, the caller cannot be told.
func (h *handlers) resetPassword(e *core.RequestEvent) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	email, _ := f.Body.String("email")
	email = strings.TrimSpace(email)
	if email == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Email is required.")
	}
	var users []*core.Record
	if err := e.App.RecordQuery(collections.Users).AndWhere(dbx.HashExp{"email": email}).Limit(2).All(&users); err != nil {
		return err
	}
	var user *core.Record
	if len(users) == 1 {
		user = users[0]
	}
	account, err := loginAccount(e.App, user, email)
	if err != nil {
		return err
	}
	// Every request counts: each may send a mail.
	if _, err := h.begin(e, account); err != nil {
		return err
	}
	if user != nil {
		h.mailResetLink(e.App, user)
	}
	return rest.JSON(e, http.StatusOK, resetAnswer)
}

// mailResetLink sends user a reset link in the background.
func (h *handlers) mailResetLink(app core.App, user *core.Record) {
	token, err := authtoken.NewPasswordReset(user)
	if err != nil {
		app.Logger().Error("password reset mail: no token", "user", user.Id, "error", err)
		return
	}
	name := strings.TrimSpace(user.GetString("first_name") + " " + user.GetString("last_name"))
	if name == "" {
		name = user.GetString("username")
	}
	text := fmt.Sprintf("Hello %s,\n\nWe received a request to reset the password of your OpenStream account.\n\n"+
		"Open this link to choose a new password:\n%s\n\nThe link expires in 1 hour and works once. "+
		"If you did not ask for this, you can ignore this e-mail.\n\nOpenStream\n", name, h.cfg.Settings.ResetLink(token))
	to := user.Email()
	routine.FireAndForget(func() {
		if err := h.sendMail(app, to, "OpenStream - Password Reset Request", text); err != nil {
			app.Logger().Error("password reset mail not sent", "user", user.Id, "error", err)
		}
	})
}

func (h *handlers) confirmPasswordReset(e *core.RequestEvent) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	token, _ := f.Body.String("token")
	password, _ := f.Body.String("new_password")
	if token == "" || password == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Token and new password are required.")
	}
	if len(password) < minPasswordLength {
		return rest.Keyed(http.StatusBadRequest, "error", fmt.Sprintf("Password must be at least %d characters long.", minPasswordLength))
	}
	// A wrong token counts against the address, as a wrong password does.
	attempt, err := h.begin(e)
	if err != nil {
		return err
	}
	user, err := authtoken.ParsePasswordReset(e.App, token)
	switch {
	case errors.Is(err, authtoken.ErrExpired):
		return rest.Keyed(http.StatusBadRequest, "error", "Password reset link has expired. Please request a new one.")
	case err != nil:
		return rest.Keyed(http.StatusBadRequest, "error", "Invalid or corrupted password reset link.")
	}
	attempt.Succeeded(e.Request.Context())
	if err := setPassword(e.App, user, password); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"message": "Your password has been successfully reset. You can now log in with your new password.",
	})
}

func (h *handlers) sendLoginEmail(e *core.RequestEvent, user *core.Record) error {
	if user.Email() == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "User does not have an email address.")
	}
	// Every mail counts against the account and the address.
	if _, err := h.begin(e, loginlimit.RecordAccount(user)); err != nil {
		return err
	}
	// Upstream answers the local wall-clock time without an offset.
	sentAt := h.cfg.Now().In(h.cfg.Settings.TimeZone).Format("2006-01-02T15:04:05.000000")
	text := fmt.Sprintf("Hello %s,\n\nYou signed in to the OpenStream admin at %s.\n\n"+
		"If this was not you, change your password and tell your administrator.\n\nOpenStream\n",
		user.GetString("username"), strings.Replace(sentAt[:19], "T", " ", 1))
	if err := h.sendMail(e.App, user.Email(), "Login Notification - OpenStream Admin", text); err != nil {
		e.App.Logger().Error("login mail", "user", user.Id, "error", err)
		return rest.Keyed(http.StatusServiceUnavailable, "error", "Failed to send email: "+err.Error())
	}
	return rest.JSON(e, http.StatusOK, map[string]any{
		"message": "Login notification email sent successfully.",
		"email":   user.Email(),
		"sent_at": sentAt,
	})
}
