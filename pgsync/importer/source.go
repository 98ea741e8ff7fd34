// Package importer reads an upstream OpenStream database (Postgres) or a
// Django dumpdata file into the collections, keeping ids, relations,
// M2M tags and Django password hashes. It is idempotent: rows equal to
// their record are left alone, so a second run changes nothing.
package importer

import (
	"context"
	"strings"
	"unicode"
)

// Row is one upstream row: snake_case column names (older camelCase names
// such as hexValue are converted) to values, either json.RawMessage (a
// fixture) or what pgx returns (a database).
type Row map[string]any

// Source is an upstream OpenStream database in Django's table layout.
type Source interface {
	// Tables lists the tables the source has, with their row counts.
	Tables(ctx context.Context) (map[string]int, error)
	// Rows returns every row of a table (none when the table is missing).
	Rows(ctx context.Context, table string) ([]Row, error)
}

// Snake turns a Django field or column name into its current snake_case
// form: "hexValue" -> "hex_value", "slideData" -> "slide_data".
func Snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
