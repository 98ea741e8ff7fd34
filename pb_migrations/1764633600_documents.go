package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/openstream-go/openstream/collections"
)

// processing_error on documents: why a PDF preview FAILED. Up re-applies
// the definitions in collections/ (idempotent, keeps field ids); down
// removes the field.
func init() {
	m.Register(collections.Apply, func(app core.App) error {
		docs, err := app.FindCollectionByNameOrId(collections.Documents)
		if err != nil {
			return err
		}
		docs.Fields.RemoveByName("processing_error")
		return app.Save(docs)
	})
}
