package importer

import (
	"context"
	"strconv"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/schema"
)

// settleTimes puts the source's timestamps back on records whose
// timestamps a hook or an autodate field moved during the import.
func settleTimes(ctx context.Context, app core.App, lt loadedTable, opts Options) error {
	var times []schema.Column
	for _, c := range lt.table.Columns {
		if c.Kind == schema.Time {
			times = append(times, c)
		}
	}
	if len(times) == 0 {
		return nil
	}
	for start := 0; start < len(lt.rows); start += opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := lt.rows[start:min(start+opts.BatchSize, len(lt.rows))]
		err := app.RunInTransaction(func(tx core.App) error {
			return settleBatch(tx, lt.table, times, batch)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func settleBatch(tx core.App, t schema.Table, times []schema.Column, batch []loadedRow) error {
	ids := make([]string, 0, len(batch))
	for _, lr := range batch {
		if lr.idErr == nil {
			ids = append(ids, strconv.FormatInt(lr.id, 10))
		}
	}
	records, err := tx.FindRecordsByIds(t.Collection, ids)
	if err != nil {
		return err
	}
	byID := map[string]*core.Record{}
	for _, r := range records {
		byID[r.Id] = r
	}
	for _, lr := range batch {
		rec := byID[strconv.FormatInt(lr.id, 10)]
		if rec == nil {
			continue // skipped row
		}
		moved := false
		for _, c := range times {
			raw, present := lr.row[c.Name]
			if !present {
				continue
			}
			want, err := schema.Parse(c.Kind, c.Null, raw)
			if err != nil || want == nil {
				continue
			}
			if cur, _ := schema.Get(rec, c); cur != want {
				_ = schema.Set(rec, c, want)
				moved = true
			}
		}
		if moved {
			// Not validated: only timestamps changed, and they came from the source.
			if err := tx.SaveNoValidate(rec); err != nil {
				return err
			}
		}
	}
	return nil
}
