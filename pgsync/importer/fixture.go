package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/openstream-go/openstream/pgsync/schema"
)

// Fixture is a Django dumpdata file held in memory, as upstream tables.
type Fixture struct {
	tables map[string][]Row
}

// fixtureObject is one dumpdata entry.
type fixtureObject struct {
	Model  string                     `json:"model"`
	PK     json.RawMessage            `json:"pk"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// ParseFixture reads a dumpdata JSON array. Model "app.customcolor" is
// table app_customcolor; a field naming a relation becomes its "<name>_id"
// column; a list-valued M2M field becomes rows of its M2M table
// ("app_slideshow_tags"); old camelCase names get their snake_case form.
func ParseFixture(r io.Reader) (*Fixture, error) {
	dec := json.NewDecoder(r)
	var objects []fixtureObject
	if err := dec.Decode(&objects); err != nil {
		return nil, fmt.Errorf("not a Django dumpdata file: %w", err)
	}
	f := &Fixture{tables: map[string][]Row{}}
	for i, o := range objects {
		app, model, ok := strings.Cut(o.Model, ".")
		if !ok || app == "" || model == "" || len(o.PK) == 0 {
			return nil, fmt.Errorf("entry %d: want {\"model\": \"app.model\", \"pk\": ..., \"fields\": {...}}", i)
		}
		table := strings.ToLower(app + "_" + model)
		columns := columnsOf(table)
		row := Row{"id": o.PK}
		for name, raw := range o.Fields {
			name = Snake(name)
			if m, ok := m2mOf(table, name); ok {
				if err := f.addLinks(m, o.PK, raw); err != nil {
					return nil, fmt.Errorf("entry %d (%s %s): %s: %w", i, o.Model, o.PK, name, err)
				}
				continue
			}
			if columns[name+"_id"] {
				name += "_id"
			}
			row[name] = raw
		}
		f.tables[table] = append(f.tables[table], row)
	}
	return f, nil
}

// addLinks stores a list-valued M2M field as rows of its table.
func (f *Fixture) addLinks(m schema.M2M, owner json.RawMessage, raw json.RawMessage) error {
	var targets []json.RawMessage
	if err := json.Unmarshal(raw, &targets); err != nil {
		return fmt.Errorf("want a list of ids: %w", err)
	}
	if _, ok := f.tables[m.Table]; !ok {
		f.tables[m.Table] = []Row{}
	}
	for _, t := range targets {
		f.tables[m.Table] = append(f.tables[m.Table], Row{m.Owner: owner, m.Target: t})
	}
	return nil
}

// Tables lists the fixture's tables and row counts.
func (f *Fixture) Tables(context.Context) (map[string]int, error) {
	out := map[string]int{}
	for t, rows := range f.tables {
		out[t] = len(rows)
	}
	return out, nil
}

// Rows returns a table's rows.
func (f *Fixture) Rows(_ context.Context, table string) ([]Row, error) {
	rows, ok := f.tables[table]
	if !ok {
		return nil, nil
	}
	return rows, nil
}

// columnsOf lists the upstream columns of a mapped table (main or side).
func columnsOf(table string) map[string]bool {
	out := map[string]bool{}
	for _, t := range schema.Tables() {
		switch {
		case t.Name == table:
			for _, c := range t.Columns {
				out[c.Name] = true
			}
		case t.Ext != nil && t.Ext.Table == table:
			out[t.Ext.Owner] = true
			for _, c := range t.Ext.Columns {
				out[c.Name] = true
			}
		}
	}
	return out
}

// m2mOf finds the M2M table of a model's field.
func m2mOf(table, field string) (schema.M2M, bool) {
	for _, t := range schema.Tables() {
		for _, m := range t.M2M {
			if t.Name == table && m.Field == field {
				return m, true
			}
		}
	}
	return schema.M2M{}, false
}
