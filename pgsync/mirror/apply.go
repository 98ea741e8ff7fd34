package mirror

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// writeLock serialises every writer of one mirror database (the server's
// worker, an operator's resync): each reads SQLite state only after taking
// it, so the last write of a row always carries the latest state.
const writeLock = 7345210002

// inWriteTx runs fn in a Postgres transaction that holds the write lock.
func inWriteTx(ctx context.Context, conn *pgx.Conn, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			return err
		}
		return fn(tx)
	})
}

// change is what one batch does to one collection.
type change struct {
	table schema.Table
	ids   []string
}

// group merges entries by collection, keeping first-seen order; repeated
// entries of a record collapse into one, since each applies current state.
func group(entries []outbox.Entry) []change {
	var out []change
	index := map[string]int{}
	seen := map[string]bool{}
	for _, e := range entries {
		t, ok := schema.ByCollection(e.Collection)
		if !ok || seen[e.Collection+"/"+e.RecordID] {
			continue
		}
		seen[e.Collection+"/"+e.RecordID] = true
		i, ok := index[e.Collection]
		if !ok {
			i = len(out)
			index[e.Collection] = i
			out = append(out, change{table: t})
		}
		out[i].ids = append(out[i].ids, e.RecordID)
	}
	return out
}

// applyState writes the current SQLite state of ids into Postgres: records
// that exist are upserted, records that are gone are deleted. Reading the
// state at apply time (not at change time) is what makes a late update of
// a deleted record unable to bring it back.
func applyState(ctx context.Context, app core.App, tx pgx.Tx, t schema.Table, ids []string) (upserted, deleted int, err error) {
	records, err := app.FindRecordsByIds(t.Collection, ids)
	if err != nil {
		return 0, 0, err
	}
	found := map[string]bool{}
	rows := make([]schema.Row, 0, len(records))
	for _, r := range records {
		row, err := t.Export(r)
		if err != nil {
			return 0, 0, err
		}
		found[r.Id] = true
		rows = append(rows, row)
	}
	var gone []int64
	for _, id := range ids {
		if found[id] {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue // never mirrored: not a numeric id
		}
		gone = append(gone, n)
	}
	if err := t.Delete(ctx, tx, gone); err != nil {
		return 0, 0, fmt.Errorf("delete from %s: %w", t.Name, err)
	}
	if err := t.Upsert(ctx, tx, rows); err != nil {
		return 0, 0, fmt.Errorf("upsert into %s: %w", t.Name, err)
	}
	return len(rows), len(gone), nil
}

// isDataError tells a row Postgres refuses (bad value, constraint) from a
// connection or server problem: only the latter is worth retrying as is.
func isDataError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	class := pgErr.Code[:2]
	return class == "22" || class == "23"
}
