package importer

import (
	"context"
	"fmt"
	"slices"

	"github.com/openstream-go/openstream/pgsync/schema"
)

// loadedTable is an upstream table with its side and M2M rows joined in.
type loadedTable struct {
	table schema.Table
	rows  []loadedRow
	// hasLinks[i] says whether the source has table.M2M[i]: without it
	// the record's relation is left as it is.
	hasLinks []bool
}

type loadedRow struct {
	id    int64
	idErr error
	row   Row
	ext   Row       // side-table row (app_userextended), nil when none
	links [][]int64 // per M2M, sorted
}

func load(ctx context.Context, src Source, t schema.Table, present map[string]int) (loadedTable, error) {
	lt := loadedTable{table: t}
	rows, err := src.Rows(ctx, t.Name)
	if err != nil {
		return lt, err
	}
	ext := map[int64]Row{}
	if t.Ext != nil {
		extRows, err := src.Rows(ctx, t.Ext.Table)
		if err != nil {
			return lt, err
		}
		for _, r := range extRows {
			if owner, err := schema.Parse(schema.Ref, false, r[t.Ext.Owner]); err == nil && owner != nil {
				ext[owner.(int64)] = r
			}
		}
	}
	links := make([]map[int64][]int64, len(t.M2M))
	for i, m := range t.M2M {
		_, has := present[m.Table]
		lt.hasLinks = append(lt.hasLinks, has)
		if links[i], err = loadLinks(ctx, src, m); err != nil {
			return lt, err
		}
	}
	for _, r := range rows {
		lr := loadedRow{row: r}
		id, err := schema.Parse(schema.ID, false, r["id"])
		if err == nil && id == nil {
			err = fmt.Errorf("no id")
		}
		if err != nil {
			lr.idErr = err
		} else {
			lr.id = id.(int64)
			lr.ext = ext[lr.id]
			for i := range t.M2M {
				lr.links = append(lr.links, links[i][lr.id])
			}
		}
		lt.rows = append(lt.rows, lr)
	}
	slices.SortStableFunc(lt.rows, func(a, b loadedRow) int { return compareInt(a.id, b.id) })
	lt.rows = parentsFirst(t, lt.rows)
	return lt, nil
}

// loadLinks reads an M2M table into owner -> sorted target ids.
func loadLinks(ctx context.Context, src Source, m schema.M2M) (map[int64][]int64, error) {
	rows, err := src.Rows(ctx, m.Table)
	if err != nil {
		return nil, err
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		owner, err1 := schema.Parse(schema.Ref, false, r[m.Owner])
		target, err2 := schema.Parse(schema.Ref, false, r[m.Target])
		if err1 != nil || err2 != nil || owner == nil || target == nil {
			continue
		}
		out[owner.(int64)] = append(out[owner.(int64)], target.(int64))
	}
	for k, v := range out {
		slices.Sort(v)
		out[k] = slices.Compact(v)
	}
	return out, nil
}

// parentsFirst orders rows of a self-referencing table (slide templates'
// parent_template) so that a parent is imported before its copies.
func parentsFirst(t schema.Table, rows []loadedRow) []loadedRow {
	var self *schema.Column
	for i, c := range t.Columns {
		if c.Kind == schema.Ref && c.Field == "parent_template" {
			self = &t.Columns[i]
		}
	}
	if self == nil {
		return rows
	}
	byID := map[int64]int{}
	for i, r := range rows {
		byID[r.id] = i
	}
	out := make([]loadedRow, 0, len(rows))
	state := make([]byte, len(rows)) // 0 new, 1 visiting, 2 done
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return // done, or a cycle: the relation check reports it
		}
		state[i] = 1
		if p, err := schema.Parse(schema.Ref, true, rows[i].row[self.Name]); err == nil && p != nil {
			if j, ok := byID[p.(int64)]; ok {
				visit(j)
			}
		}
		state[i] = 2
		out = append(out, rows[i])
	}
	for i := range rows {
		visit(i)
	}
	return out
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
