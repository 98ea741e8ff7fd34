package settings

import (
	"github.com/pocketbase/pocketbase/core"
)

// ApplyEmail points PocketBase's mailer at upstream's EMAIL_* server, in
// memory only, so the environment wins over the dashboard as it does for
// every other component. Without EMAIL_HOST the dashboard setting stays.
func ApplyEmail(app core.App, m Email) {
	if m.Host == "" {
		return
	}
	smtp := &app.Settings().SMTP
	smtp.Enabled = true
	smtp.Host = m.Host
	smtp.Port = m.Port
	smtp.Username = m.User
	smtp.Password = m.Password
	// EMAIL_USE_TLS means STARTTLS, which Go's SMTP client does by itself
	// when the server offers it; PocketBase's TLS flag is implicit TLS.
	smtp.TLS = m.Port == 465
	app.Settings().Meta.SenderAddress = m.From
	if app.Settings().Meta.SenderName == "" || app.Settings().Meta.SenderName == "Support" {
		app.Settings().Meta.SenderName = "OpenStream"
	}
}
