package cmd

import (
	"fmt"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"github.com/openstream-go/openstream/collections/provision"
)

func newCreateOrganisationCommand(app *pocketbase.PocketBase) *cobra.Command {
	return &cobra.Command{
		Use:          "create-organisation NAME URI_NAME",
		Short:        "Create an organisation with its Global and Demo suborganisations, branches and demo users (idempotent)",
		Args:         cobra.ExactArgs(2),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			// Like serve, apply pending migrations so a fresh data dir works.
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			steps, err := provision.CreateOrganisation(app, args[0], args[1])
			if err != nil {
				return err
			}
			created := 0
			for _, s := range steps {
				fmt.Fprintln(c.OutOrStdout(), s)
				if s.Created {
					created++
				}
			}
			fmt.Fprintf(c.OutOrStdout(), "done: %d created, %d already existed\n", created, len(steps)-created)
			return nil
		},
	}
}
