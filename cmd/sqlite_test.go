package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Two processes on one data directory: one reads in a transaction and
// then writes, while the other commits a write in between. PocketBase's
// default connection fails that write with SQLITE_BUSY_SNAPSHOT; ours
// makes the second writer wait and loses nothing.
func TestTransactionsOfTwoProcesses(t *testing.T) {
	for _, c := range []struct {
		name    string
		connect core.DBConnectFunc
		fails   bool
	}{
		{"PocketBase's default", core.DefaultDBConnect, true},
		{"openSQLite", openSQLite, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.db")
			a, err := c.connect(path)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := c.connect(path)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := a.NewQuery("CREATE TABLE screens (id TEXT PRIMARY KEY, n INTEGER)").Execute(); err != nil {
				t.Fatal(err)
			}
			if _, err := a.NewQuery("INSERT INTO screens VALUES ('a', 0), ('b', 0)").Execute(); err != nil {
				t.Fatal(err)
			}
			tx, err := a.Begin()
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.NewQuery("SELECT n FROM screens WHERE id = 'a'").Row(&n); err != nil {
				t.Fatal(err)
			}
			other := make(chan error, 1)
			go func() { // the other process's write, e.g. its health flush
				_, err := b.NewQuery("UPDATE screens SET n = n + 1 WHERE id = 'b'").Execute()
				other <- err
			}()
			if !c.fails {
				// It waits for our transaction: nothing is committed yet.
				select {
				case err := <-other:
					t.Fatalf("the other write did not wait: %v", err)
				default:
				}
			} else if err := <-other; err != nil {
				t.Fatal(err)
			}
			_, err = tx.Update("screens", dbx.Params{"n": n + 1}, dbx.HashExp{"id": "a"}).Execute()
			if c.fails {
				if err == nil || !strings.Contains(err.Error(), "517") {
					t.Fatalf("want SQLITE_BUSY_SNAPSHOT, got %v", err)
				}
				_ = tx.Rollback()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-other; err != nil {
				t.Fatal(err)
			}
			var sum int
			if err := b.NewQuery("SELECT SUM(n) FROM screens").Row(&sum); err != nil || sum != 2 {
				t.Fatal(err, sum)
			}
		})
	}
}

// openSQLite's page cache is 1 MB per connection (sqlitePragmas).
func TestPageCacheSize(t *testing.T) {
	db, err := openSQLite(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	if err := db.NewQuery("PRAGMA cache_size").Row(&size); err != nil || size != -1000 {
		t.Fatalf("cache_size %d (%v), want -1000", size, err)
	}
}
