package collections

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// NewRecord returns a new record of the named collection with the upstream
// defaults filled in, for code that creates records itself.
func NewRecord(app core.App, name string) (*core.Record, error) {
	c, err := app.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", name, err)
	}
	r := core.NewRecord(c)
	for field, value := range Defaults(c.Name) {
		r.Set(field, value)
	}
	return r, nil
}
