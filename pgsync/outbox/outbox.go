// Package outbox records every change of a mirrored collection in a SQLite
// table, in the same transaction as the change itself: a change that
// committed always has its outbox row, and a rolled-back one never does.
package outbox

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Table names in the PocketBase database. The leading underscore keeps
// them out of PocketBase's collections (they are not records).
const (
	Table       = "_pgsync_outbox"
	StatusTable = "_pgsync_status"
)

// Operations recorded. The worker reads each record's current state when
// it applies an entry, so op only informs logs and status.
const (
	OpUpsert = "upsert"
	OpDelete = "delete"
)

// Entry is one outbox row.
type Entry struct {
	Seq        int64  `db:"seq"`
	Collection string `db:"collection"`
	RecordID   string `db:"record_id"`
	Op         string `db:"op"`
	Created    string `db:"created"`
}

// Ensure creates the outbox tables (idempotent). They live outside the
// migrations so that turning the mirror on needs no schema change.
func Ensure(app core.App) error {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS ` + Table + ` (
			seq INTEGER PRIMARY KEY AUTOINCREMENT,
			collection TEXT NOT NULL,
			record_id TEXT NOT NULL,
			op TEXT NOT NULL,
			created TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + StatusTable + ` (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	} {
		if _, err := app.NonconcurrentDB().NewQuery(stmt).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// Add appends an entry using db, which must be the transaction of the change.
func Add(db dbx.Builder, collection, recordID, op string) error {
	_, err := db.Insert(Table, dbx.Params{
		"collection": collection,
		"record_id":  recordID,
		"op":         op,
		"created":    time.Now().UTC().Format(time.RFC3339Nano),
	}).Execute()
	return err
}

// Next returns up to limit entries in commit order.
func Next(app core.App, limit int) ([]Entry, error) {
	var out []Entry
	err := app.ConcurrentDB().Select("seq", "collection", "record_id", "op", "created").
		From(Table).OrderBy("seq ASC").Limit(int64(limit)).All(&out)
	return out, err
}

// Ack removes the entries up to and including seq, once they are applied.
func Ack(app core.App, seq int64) error {
	_, err := app.NonconcurrentDB().Delete(Table, dbx.NewExp("seq <= {:seq}", dbx.Params{"seq": seq})).Execute()
	return err
}

// Stats describes the backlog.
type Stats struct {
	Size   int64     // entries waiting
	Oldest time.Time // when the oldest waiting change was made (zero when empty)
	MaxSeq int64     // highest sequence number waiting
}

// Lag is how long the oldest waiting change has waited.
func (s Stats) Lag(now time.Time) time.Duration {
	if s.Oldest.IsZero() {
		return 0
	}
	return now.Sub(s.Oldest)
}

// Backlog returns the current Stats.
func Backlog(app core.App) (Stats, error) {
	var row struct {
		Size   int64  `db:"size"`
		Oldest string `db:"oldest"`
		MaxSeq int64  `db:"max_seq"`
	}
	err := app.ConcurrentDB().NewQuery(`SELECT COUNT(*) AS size, COALESCE(MIN(created), '') AS oldest,
		COALESCE(MAX(seq), 0) AS max_seq FROM ` + Table).One(&row)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Size: row.Size, MaxSeq: row.MaxSeq}
	if row.Oldest != "" {
		s.Oldest, _ = time.Parse(time.RFC3339Nano, row.Oldest)
	}
	return s, nil
}
