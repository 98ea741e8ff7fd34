package schema

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// EachPage calls fn with the collection's records, pageSize at a time, in
// id order. Keyset paging keeps each query cheap on large collections.
func EachPage(app core.App, collection string, pageSize int, fn func([]*core.Record) error) error {
	last := ""
	for {
		var page []*core.Record
		err := app.RecordQuery(collection).
			AndWhere(dbx.NewExp("[[id]] > {:last}", dbx.Params{"last": last})).
			OrderBy("id ASC").Limit(int64(pageSize)).All(&page)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		last = page[len(page)-1].Id
	}
}
