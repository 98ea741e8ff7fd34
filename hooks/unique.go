package hooks

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
)

// registerUnique turns every unique index of our collections into a field
// error before the insert, instead of the database's constraint failure that
// PocketBase could only report as a generic "Failed to create record".
// The index still guards against races.
func registerUnique(app core.App, names []string) {
	app.OnRecordValidate(names...).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return checkUnique(e.App, e.Record)
	})
}

func checkUnique(app core.App, r *core.Record) error {
	var values map[string]any
	for _, raw := range r.Collection().Indexes {
		idx := dbutils.ParseIndex(raw)
		// Partial indexes (PocketBase's own, e.g. non-empty e-mail) are
		// checked by PocketBase itself.
		if !idx.Unique || idx.Where != "" || len(idx.Columns) == 0 {
			continue
		}
		if values == nil {
			var err error
			if values, err = r.DBExport(app); err != nil {
				return err
			}
		}
		query := app.ConcurrentDB().Select("id").From(r.Collection().Name).
			Where(dbx.Not(dbx.HashExp{"id": r.Id})).Limit(1)
		columns := make([]string, len(idx.Columns))
		for i, col := range idx.Columns {
			columns[i] = col.Name
			query.AndWhere(dbx.HashExp{col.Name: values[col.Name]})
		}
		var other string
		err := query.Row(&other)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		last := columns[len(columns)-1]
		if len(columns) == 1 {
			return fieldError(last, "validation_not_unique", "A record with this "+last+" already exists.")
		}
		return fieldError(last, "validation_not_unique", "The fields "+strings.Join(columns, ", ")+" must make a unique set.")
	}
	return nil
}
