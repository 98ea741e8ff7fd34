package cmd

import (
	"github.com/pocketbase/dbx"
)

// sqlitePragmas are PocketBase's own (core.DefaultDBConnect) with a page
// cache of 1 MB per connection instead of 32 MB, plus _txlock=immediate.
//
// The page cache is per connection, outside Go's heap, and every
// connection that ran a report over ten thousand screens kept the table's
// pages: in the realtime bench the instance running the alert rounds went
// from 19.8 to 15.1 KB per socket with 4 MB, and with 4 MB it still
// varied from 9.6 to 13.1 between identical runs, by how many of its
// connections had scanned the table (its Go heap was the same); with 1 MB,
// 8.0 to 10.8. Pages beyond it come from the OS's file cache; the REST
// player's rate and PocketBase's record views did not slow
// (tests/bench/screens.sh), nor did the fan-out or the delivery report.
//
// _txlock=immediate: a transaction takes SQLite's write lock when it
// begins instead of at its first write. Several `serve` processes share
// one data directory; with deferred transactions, one that read and then
// wrote while another process had committed failed at once with
// SQLITE_BUSY_SNAPSHOT ("database is locked (517)"), which no busy
// timeout waits out, and a PATCH answered 500. Begun immediately, it waits
// for the other writer (busy_timeout) and then sees its commit.
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-1000)" +
	"&_defensive=1&_txlock=immediate"

// openSQLite opens one of PocketBase's databases (pocketbase.Config.DBConnect).
func openSQLite(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+sqlitePragmas)
}
