package importer

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Postgres reads an upstream OpenStream database: the tables of the
// connection's current schema (set search_path in the URL for another).
type Postgres struct {
	Conn *pgx.Conn
}

// Tables lists the base tables of the current schema with their row counts.
func (p Postgres) Tables(ctx context.Context) (map[string]int, error) {
	rows, err := p.Conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, name := range names {
		var n int
		if err := p.Conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}

// Rows returns a table's rows; JSON columns come as their exact text, so
// numbers in slide data keep every digit.
func (p Postgres) Rows(ctx context.Context, table string) ([]Row, error) {
	var exists bool
	err := p.Conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = $1)`, table).Scan(&exists)
	if err != nil || !exists {
		return nil, err
	}
	rows, err := p.Conn.Query(ctx, "SELECT * FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var out []Row
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return nil, err
		}
		raw := rows.RawValues()
		row := Row{}
		for i, f := range fields {
			v := values[i]
			if (f.DataTypeOID == pgtype.JSONBOID || f.DataTypeOID == pgtype.JSONOID) && raw[i] != nil {
				b := raw[i]
				if f.Format == pgtype.BinaryFormatCode && f.DataTypeOID == pgtype.JSONBOID && len(b) > 0 {
					b = b[1:] // jsonb's binary form is a version byte and the text
				}
				v = json.RawMessage(append([]byte(nil), b...))
			}
			row[Snake(f.Name)] = v
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
