// Package migrations holds the Go migrations of the OpenStream schema. It is
// imported for its side effect of registering them with PocketBase; new
// migrations are written here by `openstream migrate create NAME`.
package migrations

import (
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Creates every OpenStream collection from the definitions in collections/.
func init() {
	m.Register(collections.Apply, collections.Drop)
}
