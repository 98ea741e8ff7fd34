package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/pgsync/mirror"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/progress"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// newPgsyncCommand is `openstream pgsync`: the Postgres mirror's status
// and a full copy for operators.
func newPgsyncCommand(app core.App) *cobra.Command {
	return pgsyncCommand(app, pgsync.ConfigFromEnv(os.Getenv))
}

func pgsyncCommand(app core.App, cfg pgsync.Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "pgsync",
		Short: "Inspect or refill the Postgres mirror (DATABASE_URL or DATABASE_HOST/...)",
	}
	c.AddCommand(pgsyncStatusCommand(app, cfg), pgsyncResyncCommand(app, cfg))
	return c
}

func pgsyncStatusCommand(app core.App, cfg pgsync.Config) *cobra.Command {
	return &cobra.Command{
		Use:          "status",
		Short:        "Show the mirror's lag, outbox size and last error",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			out := c.OutOrStdout()
			s, err := mirror.ReadStatus(ctxOf(c), app, cfg.URL)
			if err != nil {
				return err
			}
			if cfg.Enabled() {
				fmt.Fprintf(out, "mirror:      on, %s\n", cfg.Redacted())
				if s.Reachable {
					fmt.Fprintln(out, "postgres:    reachable")
				} else {
					fmt.Fprintf(out, "postgres:    unreachable: %s\n", s.ReachError)
				}
			} else {
				fmt.Fprintln(out, "mirror:      off (set DATABASE_URL or DATABASE_HOST, _PORT, _NAME, _USERNAME, _PASSWORD)")
			}
			fmt.Fprintf(out, "outbox:      %d changes waiting\n", s.Outbox.Size)
			fmt.Fprintf(out, "lag:         %s\n", s.Lag.Round(time.Millisecond))
			fmt.Fprintf(out, "applied:     %d changes, last at %s\n", s.AppliedTotal, orNever(s.LastAppliedAt))
			fmt.Fprintf(out, "last error:  %s\n", s.ErrorText())
			return nil
		},
	}
}

func pgsyncResyncCommand(app core.App, cfg pgsync.Config) *cobra.Command {
	var only []string
	c := &cobra.Command{
		Use:          "resync",
		Short:        "Copy every record (or those of --collection) into Postgres and remove rows without a record",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if !cfg.Enabled() {
				return fmt.Errorf("the mirror is off: set DATABASE_URL or DATABASE_HOST, _PORT, _NAME, _USERNAME, _PASSWORD")
			}
			tables, err := selectTables(only)
			if err != nil {
				return err
			}
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			if err := outbox.Ensure(app); err != nil {
				return err
			}
			ctx := ctxOf(c)
			conn, err := pgx.Connect(ctx, cfg.URL)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			bar := progress.New(os.Stderr) // see runImport
			results, err := mirror.Resync(ctx, app, conn, tables, bar.Update)
			records, deleted := 0, 0
			for _, r := range results {
				fmt.Fprintf(c.OutOrStdout(), "%-48s %6d records, %d stale rows deleted\n", r.Table+" ("+r.Collection+")", r.Records, r.Deleted)
				records += r.Records
				deleted += r.Deleted
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "done: %d tables, %d records copied, %d stale rows deleted\n", len(results), records, deleted)
			return nil
		},
	}
	c.Flags().StringSliceVar(&only, "collection", nil, "only this collection or upstream table (repeatable), e.g. tags or app_tag")
	return c
}

// selectTables resolves --collection values (collection or table names).
func selectTables(only []string) ([]schema.Table, error) {
	if len(only) == 0 {
		return schema.Tables(), nil
	}
	var out []schema.Table
	for _, name := range only {
		found := false
		for _, t := range schema.Tables() {
			if t.Collection == name || t.Name == name {
				out = append(out, t)
				found = true
			}
		}
		if !found {
			var names []string
			for _, t := range schema.Tables() {
				names = append(names, t.Collection)
			}
			return nil, fmt.Errorf("unknown collection %q (one of: %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

func ctxOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}
