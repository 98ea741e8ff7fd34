package migrations

import (
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// Gives every OpenStream collection the API rules of collections/rules.go,
// so that PocketBase's own API serves each user what the role model allows
// them; down returns every collection to superuser-only access.
func init() {
	m.Register(collections.Apply, collections.ClearRules)
}
