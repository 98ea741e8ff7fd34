package cmd

import (
	"context"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/openstream-go/openstream/pgsync/importer"
	"github.com/openstream-go/openstream/pgsync/progress"
)

// newImportCommand is `openstream import`: bring an old OpenStream
// (Django) database or dumpdata file into this one, ids kept.
func newImportCommand(app core.App) *cobra.Command {
	c := &cobra.Command{
		Use:   "import",
		Short: "Import an upstream OpenStream database or Django dumpdata file (idempotent)",
		Long: `Import an upstream OpenStream database (Django schema) or a Django dumpdata
JSON file. Ids are kept, relations and M2M tags resolved, Django password
hashes kept (users log in with their old passwords), invalid rows reported.
A choice stored as its label or in another case ("Slideshow" for
"slideshow") is imported as its value and listed as mapped in the summary.
Running it again changes nothing. Each batch is one transaction: after a
crash, run the same command again to complete the import.`,
	}
	var opts importer.Options
	c.PersistentFlags().BoolVar(&opts.DryRun, "dry-run", false, "validate and report, write nothing")
	c.PersistentFlags().IntVar(&opts.BatchSize, "batch-size", 200, "rows per transaction")

	var dsn string
	pg := &cobra.Command{
		Use:          "postgres --dsn postgres://USER:PASSWORD@HOST:5432/DB",
		Short:        "Import from an upstream OpenStream Postgres database",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			conn, err := pgx.Connect(ctxOf(c), dsn)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			return runImport(c, app, importer.Postgres{Conn: conn}, opts)
		},
	}
	pg.Flags().StringVar(&dsn, "dsn", "", "connection URL of the upstream database (search_path=... selects a schema)")
	_ = pg.MarkFlagRequired("dsn")

	fixture := &cobra.Command{
		Use:          "fixture FILE.json",
		Short:        "Import a Django dumpdata file (current and older field names)",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			src, err := importer.ParseFixture(f)
			if err != nil {
				return err
			}
			return runImport(c, app, src, opts)
		},
	}
	c.AddCommand(pg, fixture)
	return c
}

func runImport(c *cobra.Command, app core.App, src importer.Source, opts importer.Options) error {
	// Like serve, apply pending migrations so a fresh data dir works.
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	// Progress goes to stderr itself: PocketBase silences the commands' own
	// error writer, and the summary on stdout stays clean for scripts.
	opts.Progress = progress.New(os.Stderr).Update
	sum, err := importer.Run(ctxOf(c), app, src, opts)
	if werr := sum.Write(c.OutOrStdout()); err == nil {
		err = werr
	}
	return err
}
