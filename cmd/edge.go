package cmd

import (
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/openstream-go/openstream/realtime"
	"github.com/openstream-go/openstream/realtime/edge"
	"github.com/openstream-go/openstream/settings"
)

// EnvPrimaryURL is the primary's public URL, which an edge names in its
// answers to everything but the screens' requests.
const EnvPrimaryURL = "OPENSTREAM_PRIMARY_URL"

// newEdgeCommand is `openstream edge`: screens only, from the state the
// primary publishes in REDIS_URL; no data directory.
func newEdgeCommand() *cobra.Command {
	addr := os.Getenv(EnvHTTPAddr)
	if addr == "" {
		addr = DefaultHTTPAddr
	}
	c := &cobra.Command{
		Use:   "edge",
		Short: "Serve screens from the primary's state in Redis (REDIS_URL), with no data directory",
		Long: "Serves what screens use (get-active-content, /ws/screens/, /api/health) from the state the\n" +
			"primary (`openstream serve` with REDIS_URL) publishes in Redis; it needs only REDIS_URL (and\n" +
			"the primary's REDIS_PREFIX, if set) and writes no files. Everything else is answered 421\n" +
			"with the primary ($" + EnvPrimaryURL + ").",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true, // main logs it
		RunE: func(cmd *cobra.Command, _ []string) error {
			site := settings.FromEnv(os.Getenv)
			live := realtime.ConfigFromEnv(site, os.Getenv)
			srv, err := edge.New(edge.Config{
				RedisURL: live.RedisURL, RedisPrefix: live.RedisPrefix, Primary: os.Getenv(EnvPrimaryURL), Origins: site.CORSOrigins,
				PingInterval: live.PingInterval,
			})
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return srv.Serve(ctx, addr)
		},
	}
	c.Flags().StringVar(&addr, "http", addr, "TCP address to listen on (default $"+EnvHTTPAddr+" or "+DefaultHTTPAddr+")")
	return c
}

// Run is the program with os.Args: `openstream edge` runs outside
// PocketBase, whose start opens (and creates) a data directory; every
// other command is PocketBase's command tree with public served at /.
func Run(public fs.FS) error {
	if len(os.Args) > 1 && os.Args[1] == "edge" {
		return RunEdge(os.Args[1:])
	}
	return New(public).Execute()
}

// RunEdge runs `openstream edge` with args (without the program name).
func RunEdge(args []string) error {
	c := newEdgeCommand()
	c.SetArgs(args[1:])
	return c.Execute()
}
