package loginlimit

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// RecordAccount is the account key of an auth record (a user or a
// dashboard superuser), the same whichever door names it.
func RecordAccount(r *core.Record) Key { return Account(r.Collection().Id + ":" + r.Id) }

// UnknownAccount is the account key of an identity that names no record
// of collection.
func UnknownAccount(collection *core.Collection, identity string) Key {
	return Account(collection.Id + ":?" + strings.ToLower(strings.TrimSpace(identity)))
}

// AccountOf is the account key of identity in an auth collection: the
// record whose e-mail or other identity field it is, or the identity.
func AccountOf(app core.App, collection *core.Collection, identity string) Key {
	if r, err := app.FindAuthRecordByEmail(collection, identity); err == nil {
		return RecordAccount(r)
	}
	for _, field := range collection.PasswordAuth.IdentityFields {
		if field == core.FieldNameEmail {
			continue
		}
		if r, err := app.FindFirstRecordByData(collection, field, identity); err == nil {
			return RecordAccount(r)
		}
	}
	return UnknownAccount(collection, identity)
}

// door is one of PocketBase's auth routes that checks a secret or sends a
// mail.
type door struct {
	// mail: every request counts, successful or not.
	mail bool
	// field of the body that names the account ("" for none: the token
	// of a confirm route is checked by PocketBase).
	field string
	// signedIn: the account is the caller's own.
	signedIn bool
}

// doors are PocketBase's auth routes by their last path segment (under
// /api/collections/{collection}/). OAuth2 and token refresh check no
// secret of ours.
var doors = map[string]door{
	"auth-with-password":     {field: "identity"},
	"auth-with-otp":          {field: "otpId"},
	"request-otp":            {mail: true, field: "email"},
	"request-password-reset": {mail: true, field: "email"},
	"request-verification":   {mail: true, field: "email"},
	"request-email-change":   {mail: true, signedIn: true},
	"confirm-password-reset": {},
	"confirm-verification":   {},
	"confirm-email-change":   {},
}

const collectionRoutes = "POST /api/collections/{collection}/"

// Register limits PocketBase's own auth routes, of every auth collection
// (the dashboard's superusers too), on every server app starts, and closes
// l's Redis connection when app terminates. A nil l changes nothing.
func Register(app core.App, l *Limiter) {
	if l == nil {
		return
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "openstreamLoginLimit",
		Func: func(se *core.ServeEvent) error {
			l.log.Store(se.App.Logger())
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id: "openstreamLoginLimit",
				// After the auth token is loaded (request-email-change
				// counts against the caller) and PocketBase's own limiter.
				Priority: apis.DefaultRateLimitMiddlewarePriority + 1,
				Func:     l.guard,
			})
			return se.Next()
		},
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		_ = l.Close()
		return e.Next()
	})
}

// guard counts an attempt on a door of PocketBase's, answering PocketBase's
// 429 with Retry-After when the limit is reached.
func (l *Limiter) guard(e *core.RequestEvent) error {
	action, ok := strings.CutPrefix(e.Request.Pattern, collectionRoutes)
	d, isDoor := doors[action]
	if !ok || !isDoor {
		return e.Next()
	}
	collection, err := e.App.FindCachedCollectionByNameOrId(e.Request.PathValue("collection"))
	if err != nil || !collection.IsAuth() {
		return e.Next() // PocketBase's own 404
	}
	keys := []Key{Address(e.RealIP())}
	if k, ok := accountOf(e, collection, d); ok {
		keys = append(keys, k)
	}
	attempt, err := l.Begin(e.Request.Context(), keys...)
	var t *Throttled
	if errors.As(err, &t) {
		e.Response.Header().Set("Retry-After", strconv.Itoa(t.Seconds()))
		return e.TooManyRequestsError(fmt.Sprintf("Too many attempts. Try again in %d seconds.", t.Seconds()), nil)
	}
	err = e.Next()
	if !d.mail && err == nil && e.Status() < http.StatusBadRequest {
		attempt.Succeeded(e.Request.Context())
	}
	return err
}

// accountOf reads the account a request to a door names.
func accountOf(e *core.RequestEvent, collection *core.Collection, d door) (Key, bool) {
	if d.signedIn {
		if e.Auth == nil {
			return Key{}, false
		}
		return RecordAccount(e.Auth), true
	}
	if d.field == "" {
		return Key{}, false
	}
	var body struct {
		Identity string `json:"identity" form:"identity"`
		Email    string `json:"email" form:"email"`
		OTPId    string `json:"otpId" form:"otpId"`
	}
	if err := e.BindBody(&body); err != nil {
		// PocketBase reads the body again and answers its own 400.
		if rr, ok := e.Request.Body.(router.Rereader); ok {
			rr.Reread()
		}
		return Key{}, false
	}
	switch d.field {
	case "identity":
		if body.Identity != "" {
			return AccountOf(e.App, collection, body.Identity), true
		}
	case "email":
		if body.Email != "" {
			return AccountOf(e.App, collection, body.Email), true
		}
	case "otpId":
		// A code is guessed against its OTP: count it against the
		// account the OTP was sent to.
		otp, err := e.App.FindOTPById(body.OTPId)
		switch {
		case err == nil && otp.CollectionRef() == collection.Id:
			return Account(collection.Id + ":" + otp.RecordRef()), true
		case body.OTPId != "" && (err == nil || errors.Is(err, sql.ErrNoRows)):
			return Account(collection.Id + ":otp:" + body.OTPId), true
		}
	}
	return Key{}, false
}
