package cmd

import (
	"fmt"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
)

// newBranchAPIKeyCommand lets an operator show, rotate or switch off a
// branch's screen key (an admin can also toggle is_active in the dashboard).
func newBranchAPIKeyCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "branch-api-key",
		Short: "Show, rotate, activate or deactivate a branch's screen API key",
	}
	action := func(use, short string, fn func(core.App, string) (*core.Record, error)) *cobra.Command {
		return &cobra.Command{
			Use:          use + " BRANCH_ID",
			Short:        short,
			Args:         cobra.ExactArgs(1),
			SilenceUsage: true,
			RunE: func(c *cobra.Command, args []string) error {
				if err := app.RunAllMigrations(); err != nil {
					return err
				}
				id, ok := collections.ParseID(args[0])
				if !ok {
					return fmt.Errorf("%q is not a branch id", args[0])
				}
				branch, err := app.FindRecordById(collections.Branches, id)
				if err != nil {
					return fmt.Errorf("branch %s not found", id)
				}
				key, err := fn(app, branch.Id)
				if err != nil {
					return err
				}
				state := "active"
				if !key.GetBool("is_active") {
					state = "inactive"
				}
				fmt.Fprintf(c.OutOrStdout(), "branch %s (%s): key %s, %s\n", branch.Id, branch.GetString("name"), key.GetString("key"), state)
				return nil
			},
		}
	}
	cmd.AddCommand(
		action("show", "Print the branch's key and whether it is active", apikey.ForBranch),
		action("rotate", "Replace the key with a new random one (screens must be registered again)", apikey.Rotate),
		action("activate", "Accept the key again", func(app core.App, id string) (*core.Record, error) { return apikey.SetActive(app, id, true) }),
		action("deactivate", "Refuse the key on every screen endpoint until activated or rotated", func(app core.App, id string) (*core.Record, error) {
			return apikey.SetActive(app, id, false)
		}),
	)
	return cmd
}
