package api

import (
	"cmp"
	"errors"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/rest"
)

// sortByID orders records by numeric id (upstream's default for models
// without an ordering: the primary key). Ids are digits without leading
// zeros, so a shorter id is a smaller number.
func sortByID(rs []*core.Record) {
	slices.SortFunc(rs, func(a, b *core.Record) int { return compareIDs(a.Id, b.Id) })
}

func compareIDs(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// fieldMessages returns the messages of one field of a DRF 400.
func fieldMessages(err error, field string) []string { return fieldErrors(err)[field] }

// fieldErrors returns the field map of a DRF 400, or nil.
func fieldErrors(err error) map[string][]string {
	var apiErr *rest.Error
	if !errors.As(err, &apiErr) {
		return nil
	}
	fields, _ := apiErr.Body.(map[string][]string)
	return fields
}

// parseStored reads a datetime as PocketBase stores it.
func parseStored(v string) (time.Time, error) {
	dt, err := types.ParseDateTime(v)
	return dt.Time(), err
}
