package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/logger"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/smtpsink"
	"github.com/openstream-go/openstream/settings"
)

// mailTo sends the app's mail to a real SMTP server through the settings
// the EMAIL_* variables produce. The test app swaps in a recording mailer;
// this swaps in an SMTP client built from the app's own SMTP settings.
func (w *world) mailTo(t *testing.T, sink *smtpsink.Sink) {
	t.Helper()
	settings.ApplyEmail(w.app, settings.Email{Host: sink.Host(), Port: sink.Port(), UseTLS: true, From: "noreply@openstream.dk"})
	w.app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		s := e.App.Settings().SMTP
		e.Mailer = &mailer.SMTPClient{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password}
		return e.Next()
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alice := w.bearer(t, "alice")
	tests := []struct {
		name   string
		body   any
		auth   string
		status int
		want   string
	}{
		{"anonymous", map[string]any{}, "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"missing", map[string]any{}, alice, 400, `{"old_password":["This field is required."],"new_password":["This field is required."],"confirm_password":["This field is required."]}`},
		{"blank", map[string]any{"old_password": "", "new_password": "x", "confirm_password": "x"}, alice, 400, `{"old_password":["This field may not be blank."]}`},
		{"wrong old", map[string]any{"old_password": "nope", "new_password": "new-password-1", "confirm_password": "new-password-1"}, alice, 400, `{"old_password":["Old password is incorrect."]}`},
		{"mismatch", map[string]any{"old_password": "alice-password", "new_password": "new-password-1", "confirm_password": "new-password-2"}, alice, 400, `{"confirm_password":["New passwords do not match."]}`},
		{"too short", map[string]any{"old_password": "alice-password", "new_password": "short", "confirm_password": "short"}, alice, 400, `{"new_password":["Password must be at least 8 characters long."]}`},
		{"too long", map[string]any{"old_password": "alice-password", "new_password": strings.Repeat("x", 100), "confirm_password": strings.Repeat("x", 100)}, alice, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.auth != "" {
				headers = append(headers, "Authorization: "+tt.auth)
			}
			expect(t, w.do(t, "POST", "/api/user/change-password/", tt.body, headers...), tt.status, tt.want)
			if !w.reload(t, "alice").ValidatePassword("alice-password") {
				t.Fatal("a refused change changed the password")
			}
		})
	}

	got := w.do(t, "POST", "/api/user/change-password", map[string]any{"old_password": "alice-password", "new_password": "new-password-1", "confirm_password": "new-password-1"}, "Authorization: "+alice)
	expect(t, got, 200, "")
	body := got.json(t)
	if body["message"] != "Password updated successfully" {
		t.Fatalf("message: %s", got.Body)
	}
	// The old token is revoked; the one in the answer works.
	expect(t, w.do(t, "GET", "/api/token/validate/", nil, "Authorization: "+alice), 401, "")
	expect(t, w.do(t, "GET", "/api/token/validate/", nil, "Authorization: Bearer "+body["access"].(string)), 200, "")
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "alice", "password": "alice-password"}), 401, noAccount)
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "alice", "password": "new-password-1"}), 200, "")
}

func TestChangePasswordFromDjangoHash(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.addUser(t, "imported", "", "unknown-random-pw", true)
	u.Set(collections.DjangoPasswordField, djangohash.Make("old-secret", "salt", 1000))
	if err := w.app.Save(u); err != nil {
		t.Fatal(err)
	}
	got := w.do(t, "POST", "/api/user/change-password/", map[string]any{"old_password": "old-secret", "new_password": "brand-new-pw", "confirm_password": "brand-new-pw"}, "Authorization: "+w.bearer(t, "imported"))
	expect(t, got, 200, "")
	if u := w.reload(t, "imported"); u.GetString(collections.DjangoPasswordField) != "" || !u.ValidatePassword("brand-new-pw") {
		t.Fatal("password not replaced")
	}
}

var linkPattern = regexp.MustCompile(`https://cms\.example\.dk/reset-password\?\S+`)

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sink := smtpsink.Start(t)
	w.mailTo(t, sink)

	expect(t, w.do(t, "POST", "/api/reset-password/", map[string]any{}), 400, `{"error":"Email is required."}`)
	expect(t, w.do(t, "POST", "/api/reset-password/", map[string]any{"email": "  "}), 400, `{"error":"Email is required."}`)
	// Known and unknown addresses get one answer, so it tells nobody who
	// has an account.
	expect(t, w.do(t, "POST", "/api/reset-password/", map[string]any{"email": "nobody@example.dk"}), 200, resetAnswer)
	// The frontend sends "Bearer null" without a token: a stale Bearer token
	// does not break this public endpoint.
	expect(t, w.do(t, "POST", "/api/reset-password/", map[string]any{"email": "alice@example.dk"}, "Authorization: Bearer null"), 200, resetAnswer)

	msgs := sink.WaitFor(t, 1)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1 (none for the unknown address)", len(msgs))
	}
	msg := msgs[0]
	if msg.Subject != "OpenStream - Password Reset Request" || msg.To[0] != "alice@example.dk" || msg.From != "noreply@openstream.dk" {
		t.Fatalf("mail: subject %q to %v from %q", msg.Subject, msg.To, msg.From)
	}
	if !strings.Contains(msg.TextBody, "expires in 1 hour") || !strings.Contains(msg.TextBody, "Hello alice") {
		t.Fatalf("mail text:\n%s", msg.TextBody)
	}
	link, err := url.Parse(linkPattern.FindString(msg.TextBody))
	if err != nil || link.Query().Get("lang") != "da" {
		t.Fatalf("link in mail: %v\n%s", err, msg.TextBody)
	}
	token := link.Query().Get("token")

	expired := expiredResetToken(t, w.reload(t, "alice"))
	rows := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"missing", map[string]any{"token": token}, 400, `{"error":"Token and new password are required."}`},
		{"short", map[string]any{"token": token, "new_password": "short"}, 400, `{"error":"Password must be at least 8 characters long."}`},
		{"garbage", map[string]any{"token": "password_reset_1:abc:def", "new_password": "new-password-1"}, 400, `{"error":"Invalid or corrupted password reset link."}`},
		{"access token", map[string]any{"token": strings.TrimPrefix(w.bearer(t, "alice"), "Bearer "), "new_password": "new-password-1"}, 400, `{"error":"Invalid or corrupted password reset link."}`},
		{"expired", map[string]any{"token": expired, "new_password": "new-password-1"}, 400, `{"error":"Password reset link has expired. Please request a new one."}`},
		{"valid", map[string]any{"token": token, "new_password": "new-password-1"}, 200, `{"message":"Your password has been successfully reset. You can now log in with your new password."}`},
		{"used twice", map[string]any{"token": token, "new_password": "new-password-2"}, 400, `{"error":"Invalid or corrupted password reset link."}`},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, w.do(t, "POST", "/api/confirm-password-reset/", tt.body), tt.status, tt.want)
		})
	}
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "alice", "password": "new-password-1"}), 200, "")

	// A mail server that refuses the mail does not change the answer (a
	// 503 would tell the address has an account); the operators find the
	// failure in the log, as an error.
	w.app.Settings().Logs.MaxDays = 1 // the test app keeps no log otherwise
	sink.FailNext(554, "5.7.1 relay denied")
	expect(t, w.do(t, "POST", "/api/reset-password/", map[string]any{"email": "olga@example.dk"}), 200, resetAnswer)
	entry := waitForLog(t, w.app, "password reset mail not sent")
	if entry.Level != int(slog.LevelError) || !strings.Contains(fmt.Sprint(entry.Data["error"]), "relay denied") || entry.Data["user"] != w.users["olga"].Id {
		t.Fatalf("log entry: level %d, data %v", entry.Level, entry.Data)
	}
}

const resetAnswer = `{"message":"If this email address is associated with an account, you will receive a password reset link."}`

// waitForLog waits for the app's log entry with message (the mail is sent
// after the answer) and returns it.
func waitForLog(t *testing.T, app core.App, message string) *core.Log {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if h, ok := app.Logger().Handler().(*logger.BatchHandler); ok {
			if err := h.WriteAll(context.WithValue(context.Background(), logger.BlockKey, true)); err != nil {
				t.Fatal(err)
			}
		}
		var entry core.Log
		err := app.LogQuery().AndWhere(dbx.HashExp{"message": message}).One(&entry)
		if err == nil {
			return &entry
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log entry %q: %v", message, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func expiredResetToken(t *testing.T, user *core.Record) string {
	t.Helper()
	tok, err := security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         core.TokenTypePasswordReset,
		core.TokenClaimId:           user.Id,
		core.TokenClaimCollectionId: user.Collection().Id,
		core.TokenClaimEmail:        user.Email(),
	}, user.TokenKey()+user.Collection().PasswordResetToken.Secret, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSendLoginEmail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sink := smtpsink.Start(t)
	w.mailTo(t, sink)
	expect(t, w.do(t, "POST", "/api/send-login-email/", nil), 401, "")
	expect(t, w.do(t, "POST", "/api/send-login-email/", nil, "Authorization: "+w.bearer(t, "ulla")), 400, `{"error":"User does not have an email address."}`)
	// fixedNow is 01:30 UTC on the spring-forward day: 03:30 in Copenhagen.
	expect(t, w.do(t, "POST", "/api/send-login-email/", nil, "Authorization: "+w.bearer(t, "alice")), 200,
		`{"message":"Login notification email sent successfully.","email":"alice@example.dk","sent_at":"2026-03-29T03:30:00.000000"}`)
	msg := sink.WaitFor(t, 1)[0]
	if msg.Subject != "Login Notification - OpenStream Admin" || !strings.Contains(msg.TextBody, "2026-03-29 03:30:00") {
		t.Fatalf("mail: %q\n%s", msg.Subject, msg.TextBody)
	}
	sink.FailNext(451, "try later")
	got := w.do(t, "POST", "/api/send-login-email/", nil, "Authorization: "+w.bearer(t, "alice"))
	expect(t, got, 503, "")
	if !strings.HasPrefix(got.json(t)["error"].(string), "Failed to send email: ") {
		t.Fatalf("body %s", got.Body)
	}
}
