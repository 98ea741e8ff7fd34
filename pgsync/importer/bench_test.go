package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync/importer"
)

var benchRows = flag.Int("pgsync.rows", 10000, "synthetic upstream rows per import benchmark run (the issue's figure: 100000)")

// BenchmarkImport measures rows per second imported from a synthetic dump
// (organisations, suborganisations, branches with their API keys, tags
// and colours in the old hexValue form). Run:
// go test -run XXX -bench Import -benchtime 1x -pgsync.rows 100000 ./pgsync/importer
func BenchmarkImport(b *testing.B) {
	dump := syntheticDump(b, *benchRows)
	for range b.N {
		b.StopTimer()
		app := testapp.New(b)
		src, err := importer.ParseFixture(bytes.NewReader(dump))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := importer.Run(context.Background(), app, src, importer.Options{BatchSize: 500})
		elapsed := time.Since(start)
		if err != nil || sum.Changes() != *benchRows {
			b.Fatalf("%d changes (%v), want %d", sum.Changes(), err, *benchRows)
		}
		b.ReportMetric(float64(*benchRows)/elapsed.Seconds(), "rows/s")
	}
}

// syntheticDump returns n rows: per organisation 1 suborganisation, 4
// branches, 10 tags and 34 colours (50 rows).
func syntheticDump(b *testing.B, n int) []byte {
	var objs []map[string]any
	add := func(model string, pk int, fields map[string]any) {
		if len(objs) < n {
			objs = append(objs, map[string]any{"model": model, "pk": pk, "fields": fields})
		}
	}
	for org := 1; len(objs) < n; org++ {
		add("app.organisation", org, map[string]any{"name": fmt.Sprint("Org ", org)})
		add("app.suborganisation", org, map[string]any{"name": "Sub", "organisation": org})
		for i := range 4 {
			add("app.branch", org*10+i, map[string]any{"name": fmt.Sprint("Branch ", i), "suborganisation": org})
		}
		for i := range 10 {
			add("app.tag", org*100+i, map[string]any{"name": fmt.Sprint("Tag ", i), "organisation": org})
		}
		for i := range 34 {
			add("app.customcolor", org*100+i, map[string]any{"name": fmt.Sprint("Colour ", i), "organisation": org, "hexValue": "#AE9361", "type": "primary"})
		}
	}
	out, err := json.Marshal(objs)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
