package pgsync_test

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/pgtest"
)

var benchChanges = flag.Int("pgsync.changes", 10000, "changes per mirror benchmark run (the issue's figure: 100000)")

// BenchmarkMirrorThroughput measures how fast the worker drains a backlog
// of created records into Postgres (changes/s). Run:
// go test -run XXX -bench MirrorThroughput -benchtime 1x -pgsync.changes 100000 ./pgsync
func BenchmarkMirrorThroughput(b *testing.B) {
	for range b.N {
		b.StopTimer()
		app := testapp.New(b)
		if err := outbox.Ensure(app); err != nil {
			b.Fatal(err)
		}
		m := pgsync.Enable(app, pgtest.Database(b))
		fillTags(b, app, *benchChanges)
		b.StartTimer()
		start := time.Now()
		stop := pgsync.Start(m)
		pgtest.Eventually(b, "drained", func() (bool, string) {
			s, err := outbox.Backlog(app)
			return err == nil && s.Size == 0, fmt.Sprint(s.Size)
		})
		elapsed := time.Since(start)
		b.StopTimer()
		stop()
		b.ReportMetric(float64(*benchChanges)/elapsed.Seconds(), "changes/s")
	}
}

// fillTags creates n tags, 1,000 per transaction.
func fillTags(b *testing.B, app core.App, n int) {
	for start := 0; start < n; start += 1000 {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := start; i < min(start+1000, n); i++ {
				r, err := collections.NewRecord(tx, collections.Tags)
				if err != nil {
					return err
				}
				r.Set("name", fmt.Sprint("tag-", i))
				if err := tx.Save(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
