package importer

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/schema"
)

// Options tune an import.
type Options struct {
	DryRun    bool                                // validate and count, then roll everything back
	BatchSize int                                 // rows per SQLite transaction (default 200)
	Progress  func(table string, done, total int) // told after each batch
}

// errDryRun rolls back the single transaction of a dry run.
var errDryRun = errors.New("dry run")

// Run imports src into app. Each batch of rows is one transaction, so a
// crash leaves whole batches behind and the next run completes the rest.
func Run(ctx context.Context, app core.App, src Source, opts Options) (Summary, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	sum := Summary{DryRun: opts.DryRun}
	run := func(txApp core.App) error {
		return importAll(ctx, txApp, src, opts, &sum)
	}
	var err error
	if opts.DryRun {
		// One transaction for everything: later tables see earlier rows.
		err = app.RunInTransaction(func(tx core.App) error {
			if err := run(tx); err != nil {
				return err
			}
			return errDryRun
		})
		if errors.Is(err, errDryRun) {
			err = nil
		}
	} else {
		err = run(app)
	}
	return sum, err
}

func importAll(ctx context.Context, app core.App, src Source, opts Options, sum *Summary) error {
	present, err := src.Tables(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	var loaded []loadedTable
	for _, t := range schema.Tables() {
		known[t.Name] = true
		lt, err := load(ctx, src, t, present)
		if err != nil {
			return fmt.Errorf("read %s: %w", t.Name, err)
		}
		if t.Ext != nil {
			known[t.Ext.Table] = true
		}
		for _, m := range t.M2M {
			known[m.Table] = true
		}
		ts := &TableSummary{Table: t.Name, Read: len(lt.rows)}
		sum.Tables = append(sum.Tables, ts)
		if err := importTable(ctx, app, lt, opts, ts); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		loaded = append(loaded, lt)
	}
	// Hooks of later tables may have moved timestamps of earlier records
	// (a playlist item touches its playlist): put the source's back.
	for _, lt := range loaded {
		if err := settleTimes(ctx, app, lt, opts); err != nil {
			return fmt.Errorf("%s: %w", lt.table.Name, err)
		}
	}
	for _, name := range sortedKeys(present) {
		if !known[name] && present[name] > 0 {
			ts := &TableSummary{Table: name, Read: present[name], Skipped: present[name]}
			ts.Reasons = []string{"not an OpenStream table: all rows ignored"}
			sum.Tables = append(sum.Tables, ts)
		}
	}
	return nil
}

// importTable writes one table, BatchSize rows per transaction.
func importTable(ctx context.Context, app core.App, lt loadedTable, opts Options, ts *TableSummary) error {
	total := len(lt.rows)
	if opts.Progress != nil {
		opts.Progress(lt.table.Name, 0, total)
	}
	for start := 0; start < total; start += opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := lt.rows[start:min(start+opts.BatchSize, total)]
		var counts TableSummary
		err := app.RunInTransaction(func(tx core.App) error {
			counts = TableSummary{}
			for _, row := range batch {
				if err := importRow(tx, lt, row, &counts); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		ts.Created += counts.Created
		ts.Updated += counts.Updated
		ts.Unchanged += counts.Unchanged
		ts.Skipped += counts.Skipped
		ts.Reasons = append(ts.Reasons, counts.Reasons...)
		for _, m := range counts.Mapped {
			ts.addMapping(m)
		}
		if opts.Progress != nil {
			opts.Progress(lt.table.Name, start+len(batch), total)
		}
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
