package keycloak

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

func saveTestRecord(t *testing.T, app core.App, collection string, fields map[string]any) *core.Record {
	t.Helper()
	r, err := collections.NewRecord(app, collection)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(fields)
	if collection == collections.Users {
		r.SetPassword("local-password")
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("save %s %v: %v", collection, fields, err)
	}
	return r
}

// syncApp has organisation kk with
// alice (org_admin), bob (org_user), Frank (org_user, mixed case, already
// in Keycloak as "frank") and carol (no e-mail); organisation other with
// dave; and eve, a super admin of no organisation.
func syncApp(t *testing.T) *tests.TestApp {
	app := testapp.New(t)
	kk := saveTestRecord(t, app, collections.Organisations, map[string]any{"name": "KK", "uri_name": "kk"})
	other := saveTestRecord(t, app, collections.Organisations, map[string]any{"name": "Other", "uri_name": "other"})
	member := func(username, email, role string, org *core.Record) {
		u := saveTestRecord(t, app, collections.Users, map[string]any{"username": username, "email": email, "first_name": strings.ToUpper(username[:1]) + username[1:]})
		m := map[string]any{"user": u.Id, "role": role}
		if org != nil {
			m["organisation"] = org.Id
		}
		saveTestRecord(t, app, collections.Memberships, m)
	}
	member("alice", "alice@example.com", collections.RoleOrgAdmin, kk)
	member("bob", "bob@example.com", collections.RoleOrgUser, kk)
	member("Frank", "frank@example.com", collections.RoleOrgUser, kk)
	member("carol", "", collections.RoleOrgUser, kk)
	member("dave", "dave@example.com", collections.RoleOrgUser, other)
	member("eve", "eve@example.com", collections.RoleSuperAdmin, nil)
	return app
}

func syncKeycloak(t *testing.T) *kctest.Server {
	kc := kctest.Start(t)
	kc.AddRealm("kk")
	kc.AddUser("kk", kctest.User{Username: "frank", Email: "frank@example.com", Password: "own"})
	return kc
}

func TestSyncUsers(t *testing.T) {
	app := syncApp(t)
	base := SyncOptions{Realm: "kk", FrontendHost: "http://localhost:5173/", MailFrom: "noreply@example.com"}
	tests := []struct {
		name        string
		opts        func(*SyncOptions)
		wantSummary string
		wantCreated []string // Keycloak users afterwards, besides frank
		wantMails   []string // recipients
		wantLog     []string // lines expected in the progress output
	}{
		{
			name:        "dry run",
			opts:        func(o *SyncOptions) { o.DryRun = true },
			wantSummary: "local users: 4, already in Keycloak: 1, would create (dry run): 2, skipped without email: 1, mails sent: 0, errors: 0",
			wantLog:     []string{`keycloak realm "kk" has 1 users`, `organisation "KK" has 4 local users`, "would create alice <alice@example.com>", "skip     carol: no email"},
		},
		{
			name:        "mailed passwords",
			opts:        func(o *SyncOptions) { o.Verbose = true },
			wantSummary: "local users: 4, already in Keycloak: 1, created: 2, skipped without email: 1, mails sent: 2, errors: 0",
			wantCreated: []string{"alice", "bob"},
			wantMails:   []string{"alice@example.com", "bob@example.com"},
			wantLog:     []string{"created  alice <alice@example.com>", "mailed   bob <bob@example.com>", "exists   Frank"},
		},
		{
			name:        "given password, super admins, small pages",
			opts:        func(o *SyncOptions) { o.TempPassword = "Welcome-1"; o.IncludeSuperAdmins = true; o.BatchSize = 1 },
			wantSummary: "local users: 5, already in Keycloak: 1, created: 3, skipped without email: 1, mails sent: 0, errors: 0",
			wantCreated: []string{"alice", "bob", "eve"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := syncKeycloak(t)
			app.TestMailer.Reset()
			var progress bytes.Buffer
			opts := base
			opts.Progress = &progress
			tt.opts(&opts)

			sum, err := SyncUsers(context.Background(), app, loginAdmin(t, kc), opts)
			if err != nil {
				t.Fatal(err)
			}
			if sum.String() != tt.wantSummary {
				t.Errorf("summary %q\nwant    %q", sum, tt.wantSummary)
			}
			for _, line := range tt.wantLog {
				if !strings.Contains(progress.String(), line+"\n") {
					t.Errorf("progress lacks %q:\n%s", line, progress.String())
				}
			}
			if !opts.Verbose && strings.Contains(progress.String(), "exists ") {
				t.Errorf("non-verbose progress lists existing users:\n%s", progress.String())
			}

			var created []string
			for _, u := range kc.Users("kk") {
				if u.Username == "frank" {
					if u.Password != "own" {
						t.Errorf("existing user changed: %+v", u)
					}
					continue
				}
				created = append(created, u.Username)
				if !u.Temporary || u.Disabled || !u.EmailVerified || u.Email != u.Username+"@example.com" ||
					u.FirstName != strings.ToUpper(u.Username[:1])+u.Username[1:] {
					t.Errorf("created user %+v", u)
				}
				if opts.TempPassword != "" && u.Password != opts.TempPassword {
					t.Errorf("password of %s = %q, want the given one", u.Username, u.Password)
				}
				if opts.TempPassword == "" && len(u.Password) != 11 {
					t.Errorf("password of %s = %q, want 8 random bytes in url-safe base64", u.Username, u.Password)
				}
			}
			if !slices.Equal(created, tt.wantCreated) {
				t.Errorf("created %v, want %v", created, tt.wantCreated)
			}

			var to []string
			for _, m := range app.TestMailer.Messages() {
				to = append(to, m.To[0].Address)
				var pw string
				for _, u := range kc.Users("kk") {
					if u.Email == m.To[0].Address {
						pw = u.Password
					}
				}
				if m.Subject != MigrationMailSubject || m.From.Address != "noreply@example.com" ||
					!strings.Contains(m.Text, pw) || !strings.Contains(m.HTML, pw) ||
					!strings.Contains(m.Text, "http://localhost:5173/kk/sign-in") || !strings.Contains(m.HTML, `href="http://localhost:5173/kk/sign-in"`) {
					t.Errorf("mail %+v", m)
				}
			}
			if !slices.Equal(to, tt.wantMails) {
				t.Errorf("mails to %v, want %v", to, tt.wantMails)
			}

			// A second run finds everyone.
			if !opts.DryRun {
				again, err := SyncUsers(context.Background(), app, loginAdmin(t, kc), opts)
				if err != nil || again.Created != 0 || again.InKeycloak != len(tt.wantCreated)+1 {
					t.Errorf("second run: %v %v", again, err)
				}
			}
		})
	}
}

func TestSyncUsersFailures(t *testing.T) {
	app := syncApp(t)
	tests := []struct {
		name    string
		setup   func(kc *kctest.Server)
		realm   string
		wantErr string
		wantSum string
	}{
		{name: "unknown organisation", realm: "nope", wantErr: `no organisation has uri_name "nope"`},
		{name: "realm missing in Keycloak", realm: "kk", setup: func(kc *kctest.Server) {}, wantErr: `Keycloak realm "kk" does not exist`},
		{
			name:  "e-mail taken in Keycloak",
			realm: "kk",
			setup: func(kc *kctest.Server) {
				kc.AddRealm("kk")
				kc.AddUser("kk", kctest.User{Username: "someone-else", Email: "alice@example.com"})
			},
			wantSum: "local users: 4, already in Keycloak: 0, created: 2, skipped without email: 1, mails sent: 2, errors: 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := kctest.Start(t)
			if tt.setup != nil {
				tt.setup(kc)
			}
			var progress bytes.Buffer
			sum, err := SyncUsers(context.Background(), app, loginAdmin(t, kc), SyncOptions{Realm: tt.realm, Progress: &progress})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.String() != tt.wantSum {
				t.Fatalf("summary %q\nwant    %q\n%s", sum, tt.wantSum, progress.String())
			}
			if !strings.Contains(progress.String(), "error    alice: keycloak: POST /admin/realms/kk/users: 409 Conflict: User exists with same email") {
				t.Fatalf("progress:\n%s", progress.String())
			}
		})
	}
}

// A mail that cannot be sent is counted as an error; the user stays created.
func TestSyncUsersMailFailure(t *testing.T) {
	app := syncApp(t)
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		if e.Message.To[0].Address == "bob@example.com" {
			return errors.New("mailbox full")
		}
		return e.Next()
	})
	kc := syncKeycloak(t)
	var progress bytes.Buffer
	sum, err := SyncUsers(context.Background(), app, loginAdmin(t, kc), SyncOptions{Realm: "kk", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 2 || sum.MailsSent != 1 || sum.Errors != 1 || app.TestMailer.TotalSend() != 1 {
		t.Fatalf("summary %v, mails %d", sum, app.TestMailer.TotalSend())
	}
	if !strings.Contains(progress.String(), "error    bob: created, but the mail with the temporary password failed") {
		t.Fatalf("progress:\n%s", progress.String())
	}
}
