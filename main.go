// Command openstream is the OpenStream digital-signage backend: PocketBase
// used as a framework, serving the OpenStream REST API beside its own.
package main

import (
	"embed"
	"io/fs"
	"log"

	"github.com/openstream-go/openstream/cmd"
)

// publicFiles is pb_public as it was at build time, served at / unless
// development mode or OPENSTREAM_PUBLIC_DIR says otherwise (package static).
//
//go:embed all:pb_public
var publicFiles embed.FS

func main() {
	public, err := fs.Sub(publicFiles, "pb_public")
	if err != nil {
		log.Fatal(err)
	}
	if err = cmd.Run(public); err != nil {
		log.Fatal(err)
	}
}
