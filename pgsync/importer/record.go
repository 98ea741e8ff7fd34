package importer

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// importRow creates or updates the record of one row, or counts it as
// unchanged or skipped. Only errors of the database itself are returned;
// a row that cannot be imported is skipped with its reason.
func importRow(tx core.App, lt loadedTable, lr loadedRow, ts *TableSummary) error {
	t := lt.table
	if lr.idErr != nil {
		ts.skip("row without a usable id (%v)", lr.idErr)
		return nil
	}
	id := strconv.FormatInt(lr.id, 10)
	rec, err := tx.FindRecordById(t.Collection, id)
	isNew := errors.Is(err, sql.ErrNoRows)
	switch {
	case isNew:
		if rec, err = collections.NewRecord(tx, t.Collection); err != nil {
			return err
		}
		rec.Id = id
	case err != nil:
		return err
	}
	var mapped []Mapping
	changed, err := applyRow(rec, lt, lr, isNew, &mapped)
	if err != nil {
		ts.skip("id %d: %v", lr.id, err)
		return nil
	}
	if changed {
		if err := savepoint(tx, func() error { return save(tx, rec, isNew) }); err != nil {
			ts.skip("id %d: %v", lr.id, err)
			return nil
		}
	}
	switch {
	case !changed:
		ts.Unchanged++
	case isNew:
		ts.Created++
	default:
		ts.Updated++
	}
	// Counted only for rows that were kept: a skipped row lists its reason.
	for _, m := range mapped {
		ts.addMapping(m)
	}
	return nil
}

// applyRow sets the row's values on rec and reports whether any differs.
// Columns the source does not have (an older schema) are left alone. A
// select value stored as its label (or in another case) is set as the
// value it stands for, and noted in mapped.
func applyRow(rec *core.Record, lt loadedTable, lr loadedRow, isNew bool, mapped *[]Mapping) (bool, error) {
	t := lt.table
	changed := isNew
	set := func(cols []schema.Column, row Row) error {
		for _, c := range cols {
			raw, present := row[c.Name]
			if !present || c.Kind == schema.ID || c.Kind == schema.Const {
				continue
			}
			v, err := schema.Parse(c.Kind, c.Null, raw)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			if v, err = selectValue(rec, c, v, mapped); err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			cur, _ := schema.Get(rec, c)
			if isNew || cur != v {
				if err := schema.Set(rec, c, v); err != nil {
					return fmt.Errorf("%s: %w", c.Name, err)
				}
				changed = true
			}
		}
		return nil
	}
	if err := set(t.Columns, lr.row); err != nil {
		return false, err
	}
	if t.Ext != nil && lr.ext != nil {
		if err := set(t.Ext.Columns, lr.ext); err != nil {
			return false, err
		}
	}
	for i, m := range t.M2M {
		if !lt.hasLinks[i] {
			continue
		}
		want := lr.links[i]
		cur, err := schema.Links(rec.GetStringSlice(m.Field))
		if err != nil || !slices.Equal(cur, want) {
			schema.SetLinks(rec, m, want)
			changed = true
		}
	}
	return changed, nil
}

// selectValue returns v, or the choice it stands for when c is a single
// select field (see choiceOf). An empty value is left to validation.
func selectValue(rec *core.Record, c schema.Column, v schema.Value, mapped *[]Mapping) (schema.Value, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return v, nil
	}
	f, ok := rec.Collection().Fields.GetByName(c.Field).(*core.SelectField)
	if !ok || f.IsMultiple() {
		return v, nil
	}
	to, err := choiceOf(rec.Collection().Name, f, s)
	if err != nil {
		return nil, err
	}
	if to != s {
		*mapped = append(*mapped, Mapping{Column: c.Name, From: s, To: to, Rows: 1})
	}
	return to, nil
}

// savepoint undoes fn's writes when it fails, so that a refused row leaves
// nothing behind in the batch's transaction (a branch without its key).
func savepoint(tx core.App, fn func() error) error {
	db := tx.NonconcurrentDB()
	if _, err := db.NewQuery("SAVEPOINT import_row").Execute(); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_, _ = db.NewQuery("ROLLBACK TO import_row").Execute()
		_, _ = db.NewQuery("RELEASE import_row").Execute()
		return err
	}
	_, err := db.NewQuery("RELEASE import_row").Execute()
	return err
}

// save runs every hook and validation. A record whose only validation
// errors are allowances (below) is saved without validation: it is a state
// upstream itself stores, and refusing it would drop real data.
func save(tx core.App, rec *core.Record, isNew bool) error {
	if isNew && rec.Collection().Name == collections.BranchAPIKeys {
		if err := replaceGeneratedKey(tx, rec); err != nil {
			return err
		}
	}
	err := tx.Save(rec)
	if err == nil || !onlyAllowed(err, rec) {
		return err
	}
	return tx.SaveNoValidate(rec)
}

// allowance is a validation error an imported row may carry.
type allowance struct {
	collection string // "" for any
	code       string
	applies    func(rec *core.Record, field string) bool
}

var allowances = []allowance{
	// A file field keeps the storage key the document has upstream (see
	// the README on pointing at the old bucket); PocketBase only accepts
	// names of files it uploaded itself.
	{"", "validation_invalid_file", func(rec *core.Record, field string) bool {
		f := rec.Collection().Fields.GetByName(field)
		return f != nil && f.Type() == core.FieldTypeFile
	}},
	// Deleting a group's default content sets it to NULL upstream, so stored
	// groups may have no default; both set never happens.
	{collections.DisplayWebsiteGroups, "validation_exactly_one_default", func(rec *core.Record, _ string) bool {
		return rec.GetString("default_slideshow") == "" && rec.GetString("default_playlist") == ""
	}},
}

// onlyAllowed reports whether err is a set of field errors that are all
// allowances for rec.
func onlyAllowed(err error, rec *core.Record) bool {
	var errs validation.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return false
	}
	for field, fe := range errs {
		var ve validation.Error
		if !errors.As(fe, &ve) || !allowed(rec, field, ve.Code()) {
			return false
		}
	}
	return true
}

func allowed(rec *core.Record, field, code string) bool {
	for _, a := range allowances {
		if a.code == code && (a.collection == "" || a.collection == rec.Collection().Name) && a.applies(rec, field) {
			return true
		}
	}
	return false
}

// replaceGeneratedKey deletes the key the branch hook created, when the
// source has the branch's real one.
func replaceGeneratedKey(tx core.App, rec *core.Record) error {
	old, err := tx.FindFirstRecordByData(collections.BranchAPIKeys, "branch", rec.GetString("branch"))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && old.Id == rec.Id) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.Delete(old)
}
