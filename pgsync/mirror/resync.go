package mirror

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// Result is what a resync did to one table.
type Result struct {
	Table      string
	Collection string
	Records    int // records copied (written or already equal)
	Deleted    int // Postgres rows without a record, removed
}

// Progress is told after each page how far a table is.
type Progress func(table string, done, total int)

// PageSize is the number of records written per Postgres transaction.
const PageSize = 500

// Resync copies every record of the tables into Postgres and removes rows
// whose record no longer exists. It is safe while the worker runs: both
// write under the same lock and read SQLite after taking it.
func Resync(ctx context.Context, app core.App, conn *pgx.Conn, tables []schema.Table, progress Progress) ([]Result, error) {
	if err := schema.Ensure(ctx, conn); err != nil {
		return nil, err
	}
	var out []Result
	for _, t := range tables {
		res, err := resyncTable(ctx, app, conn, t, progress)
		if err != nil {
			return out, fmt.Errorf("%s: %w", t.Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func resyncTable(ctx context.Context, app core.App, conn *pgx.Conn, t schema.Table, progress Progress) (Result, error) {
	res := Result{Table: t.Name, Collection: t.Collection}
	total, err := app.CountRecords(t.Collection)
	if err != nil {
		return res, err
	}
	if progress != nil {
		progress(t.Name, 0, int(total))
	}
	kept := map[int64]bool{}
	err = schema.EachPage(app, t.Collection, PageSize, func(page []*core.Record) error {
		ids := make([]string, len(page))
		for i, r := range page {
			ids[i] = r.Id
			if n, err := strconv.ParseInt(r.Id, 10, 64); err == nil {
				kept[n] = true
			}
		}
		err := inWriteTx(ctx, conn, func(tx pgx.Tx) error {
			_, _, err := applyState(ctx, app, tx, t, ids)
			return err
		})
		res.Records += len(page)
		if progress != nil {
			progress(t.Name, res.Records, max(int(total), res.Records))
		}
		return err
	})
	if err != nil {
		return res, err
	}
	err = inWriteTx(ctx, conn, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM "+pgx.Identifier{t.Name}.Sanitize())
		if err != nil {
			return err
		}
		pgIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		var stale []string
		for _, id := range pgIDs {
			if !kept[id] {
				stale = append(stale, strconv.FormatInt(id, 10))
			}
		}
		// applyState deletes what SQLite no longer has, and rewrites a
		// record created since the pages were read.
		_, deleted, err := applyState(ctx, app, tx, t, stale)
		res.Deleted = deleted
		return err
	})
	return res, err
}

// metaSource names the data dir this Postgres database mirrors.
const metaSource = "source_instance"

// initialSync copies everything when the database mirrors another data dir
// or none yet: changes made while the mirror was off have no outbox rows.
func (m *Mirror) initialSync(ctx context.Context) error {
	instance, err := Instance(m.App)
	if err != nil {
		return err
	}
	var source string
	err = m.conn.QueryRow(ctx, "SELECT value FROM "+schema.MetaTable+" WHERE key = $1", metaSource).Scan(&source)
	if err != nil && err != pgx.ErrNoRows {
		return err
	}
	if source == instance {
		return nil
	}
	m.log().Info("pgsync: first connection to this Postgres database, copying every collection")
	results, err := Resync(ctx, m.App, m.conn, schema.Tables(), nil)
	if err != nil {
		return err
	}
	records := 0
	for _, r := range results {
		records += r.Records
	}
	_, err = m.conn.Exec(ctx, `INSERT INTO `+schema.MetaTable+` (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, metaSource, instance)
	if err == nil {
		m.log().Info("pgsync: initial copy done", "records", records)
	}
	return err
}

// Instance returns this data dir's random mirror identity, creating it once.
func Instance(app core.App) (string, error) {
	id, err := outbox.GetStatus(app, outbox.KeyInstance)
	if err != nil || id != "" {
		return id, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id = hex.EncodeToString(b)
	return id, outbox.SetStatus(app, map[string]string{outbox.KeyInstance: id})
}
