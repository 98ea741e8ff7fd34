package cmd

import (
	"os"

	"github.com/pocketbase/pocketbase"
	pbcmd "github.com/pocketbase/pocketbase/cmd"
	"github.com/spf13/cobra"
)

// newServeCommand is PocketBase's serve with OpenStream's default address:
// --http wins, then $OPENSTREAM_HTTP, then 0.0.0.0:8000.
func newServeCommand(app *pocketbase.PocketBase) *cobra.Command {
	serve := pbcmd.NewServeCommand(app, true)
	addr := os.Getenv(EnvHTTPAddr)
	if addr == "" {
		addr = DefaultHTTPAddr
	}
	flag := serve.PersistentFlags().Lookup("http")
	_ = flag.Value.Set(addr)
	flag.DefValue = addr
	flag.Usage = "TCP address to listen on (default $" + EnvHTTPAddr + " or " + DefaultHTTPAddr + ")"
	return serve
}
