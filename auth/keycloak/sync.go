package keycloak

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/mail"
	"strings"
	texttemplate "text/template"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/openstream-go/openstream/collections"
)

// MigrationMailSubject is the subject of the mail carrying a synced user's
// temporary password (upstream's wording).
const MigrationMailSubject = "OpenStream authentication migration - Password Reset"

// DefaultSyncBatchSize is the page size for listing Keycloak users.
const DefaultSyncBatchSize = 100

// SyncOptions are the inputs of SyncUsers.
type SyncOptions struct {
	Realm string
	// DryRun reads everything and reports what would happen, changing nothing.
	DryRun bool
	// BatchSize is the page size for listing the realm's users (default 100).
	BatchSize int
	// TempPassword, when set, is every new user's temporary password and no
	// mail is sent; otherwise each user gets a random one by mail.
	TempPassword string
	// IncludeSuperAdmins adds every user with a super_admin membership.
	IncludeSuperAdmins bool
	// FrontendHost is the base of the sign-in link in the mail.
	FrontendHost string
	// MailFrom is the mail's sender address.
	MailFrom string
	// Progress, when set, gets one line per created, skipped or failed
	// user; Verbose adds users already in Keycloak and sent mails.
	Progress io.Writer
	Verbose  bool
}

// SyncSummary counts what SyncUsers did (or, in a dry run, would do).
type SyncSummary struct {
	DryRun         bool
	KeycloakUsers  int // users in the realm before the sync
	LocalUsers     int // local users taken into account
	InKeycloak     int // local users already in the realm
	Created        int
	SkippedNoEmail int
	MailsSent      int
	Errors         int
}

func (s SyncSummary) String() string {
	created := "created"
	if s.DryRun {
		created = "would create (dry run)"
	}
	return fmt.Sprintf("local users: %d, already in Keycloak: %d, %s: %d, skipped without email: %d, mails sent: %d, errors: %d",
		s.LocalUsers, s.InKeycloak, created, s.Created, s.SkippedNoEmail, s.MailsSent, s.Errors)
}

// SyncUsers does what upstream's sync_users does (docs/operations.md,
// "Keycloak realms"): every local user of the organisation whose uri_name is
// the realm (and, if asked, every super admin) that has an e-mail and is
// missing from the realm is created there, enabled and with a verified e-mail,
// with a temporary password that is mailed to them unless opts.TempPassword is
// given. Nothing is updated or deleted. A failure for one user is counted and
// reported, and the sync goes on with the next; the error result is for
// failures that stop it.
func SyncUsers(ctx context.Context, app core.App, admin *Admin, opts SyncOptions) (SyncSummary, error) {
	sum := SyncSummary{DryRun: opts.DryRun}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultSyncBatchSize
	}
	logf := func(verbose bool, format string, args ...any) {
		if opts.Progress != nil && (opts.Verbose || !verbose) {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}

	org, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", opts.Realm)
	if errors.Is(err, sql.ErrNoRows) {
		return sum, fmt.Errorf("no organisation has uri_name %q (the realm name): create it first with `openstream create-organisation NAME %s`", opts.Realm, opts.Realm)
	}
	if err != nil {
		return sum, err
	}
	exists, err := admin.RealmExists(ctx, opts.Realm)
	if err != nil {
		return sum, err
	}
	if !exists {
		return sum, fmt.Errorf("Keycloak realm %q does not exist: create it first with `openstream keycloak create-realm %s`", opts.Realm, opts.Realm)
	}

	remote, err := realmUsernames(ctx, admin, opts.Realm, opts.BatchSize)
	if err != nil {
		return sum, err
	}
	sum.KeycloakUsers = len(remote)
	logf(false, "keycloak realm %q has %d users", opts.Realm, len(remote))

	local, err := localUsers(app, org.Id, opts.IncludeSuperAdmins)
	if err != nil {
		return sum, err
	}
	sum.LocalUsers = len(local)
	logf(false, "organisation %q has %d local users", org.GetString("name"), len(local))

	for _, u := range local {
		username, email := u.GetString("username"), u.Email()
		switch {
		case email == "":
			sum.SkippedNoEmail++
			logf(false, "skip     %s: no email", username)
			continue
		case remote[strings.ToLower(username)]:
			// Keycloak stores usernames lower-cased.
			sum.InKeycloak++
			logf(true, "exists   %s", username)
			continue
		case opts.DryRun:
			sum.Created++
			logf(false, "would create %s <%s>", username, email)
			continue
		}
		password := opts.TempPassword
		if password == "" {
			password = randomPassword()
		}
		// The temporary password goes with the create call, so no user is
		// ever left in Keycloak without one.
		_, err := admin.CreateUser(ctx, opts.Realm, UserRepresentation{
			Username: username, Email: email, EmailVerified: true, Enabled: true,
			FirstName: u.GetString("first_name"), LastName: u.GetString("last_name"),
			Credentials: []CredentialRepresentation{{Type: "password", Value: password, Temporary: true}},
		})
		if err != nil {
			sum.Errors++
			logf(false, "error    %s: %v", username, err)
			continue
		}
		sum.Created++
		remote[strings.ToLower(username)] = true
		logf(false, "created  %s <%s>", username, email)
		if opts.TempPassword != "" {
			continue
		}
		if err := sendMigrationMail(app, opts, username, email, password); err != nil {
			sum.Errors++
			logf(false, "error    %s: created, but the mail with the temporary password failed (reset the password in Keycloak): %v", username, err)
			continue
		}
		sum.MailsSent++
		logf(true, "mailed   %s <%s>", username, email)
	}
	return sum, nil
}

// realmUsernames lists every username in realm, lower-cased, page by page.
func realmUsernames(ctx context.Context, admin *Admin, realm string, batch int) (map[string]bool, error) {
	total, err := admin.CountUsers(ctx, realm)
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, total)
	for first := 0; ; first += batch {
		page, err := admin.ListUsers(ctx, realm, first, batch)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			names[strings.ToLower(u.Username)] = true
		}
		if len(page) < batch {
			return names, nil
		}
	}
}

// localUsers are the users with any membership in the organisation, plus
// super admins when asked, ordered by username.
func localUsers(app core.App, orgID string, superAdmins bool) ([]*core.Record, error) {
	var cond dbx.Expression = dbx.HashExp{"m.organisation": orgID}
	if superAdmins {
		cond = dbx.Or(cond, dbx.HashExp{"m.role": collections.RoleSuperAdmin})
	}
	var users []*core.Record
	err := app.RecordQuery(collections.Users).
		Distinct(true).
		InnerJoin(collections.Memberships+" m", dbx.NewExp("[[m.user]] = [["+collections.Users+".id]]")).
		AndWhere(cond).
		OrderBy(collections.Users + ".username ASC").
		All(&users)
	return users, err
}

// randomPassword is 8 random bytes, url-safe base64, as Python's
// secrets.token_urlsafe(8) upstream.
func randomPassword() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type mailData struct {
	Username, Realm, Password, Link string
}

var migrationText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Username}},

OpenStream now signs you in through single sign-on. An account has been created for you with this temporary password:

    {{.Password}}

Sign in at {{.Link}} with your username and this password. You will then be asked to choose a new password.

If you did not expect this mail, please contact your OpenStream administrator.
`))

var migrationHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html>
<body style="font-family: sans-serif">
<p>Hello {{.Username}},</p>
<p>OpenStream now signs you in through single sign-on. An account has been created for you with this temporary password:</p>
<p style="font-family: monospace; font-size: 1.2em">{{.Password}}</p>
<p><a href="{{.Link}}">Sign in to OpenStream</a> with your username and this password. You will then be asked to choose a new password.</p>
<p>If you did not expect this mail, please contact your OpenStream administrator.</p>
</body>
</html>
`))

func sendMigrationMail(app core.App, opts SyncOptions, username, email, password string) error {
	data := mailData{
		Username: username, Realm: opts.Realm, Password: password,
		Link: strings.TrimRight(opts.FrontendHost, "/") + "/" + opts.Realm + "/sign-in",
	}
	var text, html bytes.Buffer
	if err := migrationText.Execute(&text, data); err != nil {
		return err
	}
	if err := migrationHTML.Execute(&html, data); err != nil {
		return err
	}
	return app.NewMailClient().Send(&mailer.Message{
		From:    mail.Address{Address: opts.MailFrom},
		To:      []mail.Address{{Address: email}},
		Subject: MigrationMailSubject,
		Text:    text.String(),
		HTML:    html.String(),
	})
}
