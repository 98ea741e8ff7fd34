package importer_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/openstream-go/openstream/pgsync/importer"
)

// FuzzParseFixture: any input is either refused with an error or parsed
// into tables whose rows all carry an id. Run:
//
//	go test -run XXX -fuzz FuzzParseFixture -fuzzminimizetime 2s ./pgsync/importer
//
// Without a short -fuzzminimizetime, minimizing each new input mutated
// from the 80 KB dump takes the default minute, and a short run executes
// nothing but the seeds.
func FuzzParseFixture(f *testing.F) {
	real, err := os.ReadFile(fixturePath)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		real,
		[]byte(`[]`),
		[]byte(`[{"model": "app.customcolor", "pk": 1, "fields": {"hexValue": "#fff", "organisation": 1}}]`),
		[]byte(`[{"model": "app.slideshow", "pk": 2, "fields": {"tags": [1, 2], "slideshowData": {"a": 1}}}]`),
		[]byte(`[{"model": "app.document", "pk": 3, "fields": {"tags": "nope"}}]`),
		[]byte(`[{"model": "nodot", "pk": 1, "fields": {}}]`),
		[]byte(`{"model": "app.tag"}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := importer.ParseFixture(bytes.NewReader(data))
		if err != nil {
			return
		}
		tables, err := fx.Tables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range tables {
			rows, err := fx.Rows(context.Background(), name)
			if err != nil || len(rows) != n {
				t.Fatalf("%s: %d rows, counted %d (%v)", name, len(rows), n, err)
			}
			for _, r := range rows {
				if _, ok := r["id"]; !ok && !isM2M(name) {
					t.Fatalf("%s: row without id: %v", name, r)
				}
			}
		}
	})
}

func isM2M(table string) bool {
	return bytes.HasSuffix([]byte(table), []byte("_tags")) || bytes.HasSuffix([]byte(table), []byte("_groups"))
}
