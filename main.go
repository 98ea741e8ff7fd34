// Command openstream is the OpenStream digital-signage backend: PocketBase
// used as a framework, serving the OpenStream REST API beside its own.
package main

import (
	"log"

	"github.com/openstream-go/openstream/cmd"
)

func main() {
	if err := cmd.New().Execute(); err != nil {
		log.Fatal(err)
	}
}
