package hooks

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/tools/slug"
)

// registerOrganisations derives uri_name on every save as upstream does:
// slugify(uri_name or name), "organisation-<8 hex>" when that is empty, and
// "-2", "-3", ... appended while another organisation has the slug.
func registerOrganisations(app core.App) {
	onSave(app, func(e *core.RecordEvent) error {
		uri, err := uniqueURIName(e.App, e.Record)
		if err != nil {
			return err
		}
		e.Record.Set("uri_name", uri)
		return e.Next()
	}, collections.Organisations)
}

func uniqueURIName(app core.App, org *core.Record) (string, error) {
	source := org.GetString("uri_name")
	if source == "" {
		source = org.GetString("name")
	}
	base := slug.Django(source)
	if base == "" {
		random := make([]byte, 4)
		_, _ = rand.Read(random)
		base = "organisation-" + hex.EncodeToString(random)
	}
	candidate := base
	for n := 2; ; n++ {
		taken, err := app.CountRecords(collections.Organisations,
			dbx.HashExp{"uri_name": candidate}, dbx.Not(dbx.HashExp{"id": org.Id}))
		if err != nil {
			return "", err
		}
		if taken == 0 {
			return candidate, nil
		}
		candidate = base + "-" + strconv.Itoa(n)
	}
}
