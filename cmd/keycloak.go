package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/settings"
)

// newKeycloakCommand is `openstream keycloak`, upstream's
// create_keycloak_realm and sync_users management commands.
func newKeycloakCommand(app core.App) *cobra.Command {
	return keycloakCommand(app, os.Getenv)
}

func keycloakCommand(app core.App, getenv func(string) string) *cobra.Command {
	c := &cobra.Command{
		Use:   "keycloak",
		Short: "Set up an organisation's Keycloak realm and copy its users there",
	}
	c.AddCommand(createRealmCommand(getenv), syncUsersCommand(app, getenv))
	return c
}

func createRealmCommand(getenv func(string) string) *cobra.Command {
	var frontend, backend string
	c := &cobra.Command{
		Use:   "create-realm REALM",
		Short: "Create or update the realm (the organisation's uri_name) with roles, the openstream-api client and demo users (idempotent)",
		Long: `Create or update the Keycloak realm REALM (the organisation's uri_name):
SMTP settings from EMAIL_*, realm roles org_admin and org_user, the public
client openstream-api, and the users REALM_org_admin, REALM_employee and
REALM_suborg_admin whose password is their username. Running it again
creates nothing new. Keycloak is found through KEYCLOAK_URL (or
KEYCLOAK_HOST/KEYCLOAK_PORT/KEYCLOAK_SCHEME), the admin through
KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD.`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := commandContext(c)
			out := c.OutOrStdout()
			admin, err := keycloakAdmin(ctx, getenv, out)
			if err != nil {
				return err
			}
			report, err := keycloak.CreateRealm(ctx, admin, keycloak.RealmOptions{
				Realm: args[0], FrontendOrigin: frontend, BackendBaseURL: backend,
				SMTP: settings.FromEnv(getenv).Email,
			})
			// Print what was done even when a later step failed.
			for _, s := range report.Steps {
				fmt.Fprintln(out, s)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "done: realm %q: %d created, %d updated, %d roles assigned, %d already existed\n", args[0],
				report.Count(keycloak.StepCreated), report.Count(keycloak.StepUpdated), report.Count(keycloak.StepAssigned), report.Count(keycloak.StepExists))
			return nil
		},
	}
	c.Flags().StringVar(&frontend, "frontend-origin",
		firstSet(getenv("KEYCLOAK_REALM_FRONTEND_ORIGIN"), getenv("FRONTEND_HOST"), "http://localhost:5173"),
		"frontend address allowed as redirect target (env KEYCLOAK_REALM_FRONTEND_ORIGIN, else FRONTEND_HOST)")
	c.Flags().StringVar(&backend, "backend-base-url",
		firstSet(getenv("KEYCLOAK_REALM_BACKEND_BASE_URL"), getenv("BACKEND_BASE_URL"), "http://localhost:8000"),
		"public address of this backend (env KEYCLOAK_REALM_BACKEND_BASE_URL, else BACKEND_BASE_URL)")
	c.Flags().SetNormalizeFunc(upstreamFlagNames)
	return c
}

func syncUsersCommand(app core.App, getenv func(string) string) *cobra.Command {
	var opts keycloak.SyncOptions
	var compareField string
	c := &cobra.Command{
		Use:   "sync-users REALM",
		Short: "Create the organisation's local users that are missing in its Keycloak realm, with a temporary password",
		Long: `Create in Keycloak realm REALM every local user with a membership in the
organisation whose uri_name is REALM (plus super admins with
--include-super-admins) who has an e-mail and is not in the realm yet.
Each gets a temporary password that Keycloak makes them change: the one
given with --temp-password, or a random one mailed to them. Nothing is
updated or deleted.`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := commandContext(c)
			out := c.OutOrStdout()
			if compareField != "username" {
				return fmt.Errorf("--compare-field %q is not supported: users are matched by username", compareField)
			}
			if !keycloak.ConfigFromEnv(getenv).Enabled() {
				return keycloak.ErrNotConfigured
			}
			// Like serve, apply pending migrations so a fresh data dir works.
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			// Mail goes through PocketBase's mailer, which Wire points at
			// EMAIL_* when the app bootstraps.
			st := settings.FromEnv(getenv)
			admin, err := keycloakAdmin(ctx, getenv, out)
			if err != nil {
				return err
			}
			opts.Realm = args[0]
			opts.FrontendHost = st.FrontendHost
			opts.MailFrom = st.Email.From
			opts.Progress = out
			sum, err := keycloak.SyncUsers(ctx, app, admin, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, "done:", sum)
			if sum.Errors > 0 {
				return fmt.Errorf("%d users could not be synced (see the error lines above)", sum.Errors)
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, "report what would be created, change nothing")
	f.IntVar(&opts.BatchSize, "batch-size", keycloak.DefaultSyncBatchSize, "page size for listing the realm's users")
	f.StringVar(&opts.TempPassword, "temp-password", "", "temporary password for every new user; no mails are sent")
	f.BoolVar(&opts.IncludeSuperAdmins, "include-super-admins", false, "also sync every super admin")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "also list users already in Keycloak and every mail sent")
	f.StringVar(&compareField, "compare-field", "username", "field matched against Keycloak (only username; kept for upstream's option)")
	f.SetNormalizeFunc(upstreamFlagNames)
	return c
}

// upstreamFlagNames accepts upstream's Django spellings (--dry_run,
// --batch_size, ...) for the same flags.
func upstreamFlagNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
}

// keycloakAdmin logs in as the Keycloak admin the environment names.
func keycloakAdmin(ctx context.Context, getenv func(string) string, out io.Writer) (*keycloak.Admin, error) {
	cfg := keycloak.ConfigFromEnv(getenv)
	if !cfg.Enabled() {
		return nil, keycloak.ErrNotConfigured
	}
	admin, err := keycloak.NewAdmin(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "logged in to Keycloak at %s as %q\n", cfg.InternalURL, cfg.AdminUsername)
	return admin, nil
}

func commandContext(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func firstSet(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return strings.TrimRight(strings.TrimSpace(v), "/")
		}
	}
	return ""
}
