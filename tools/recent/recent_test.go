package recent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/tools/recent"
)

func TestCache(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := recent.New(2*time.Second, 2, func() time.Time { return now })
	loads := 0
	load := func(id string) func() (*core.Record, error) {
		return func() (*core.Record, error) {
			loads++
			if id == "missing" {
				return nil, errors.New("no such record")
			}
			r := &core.Record{}
			r.Id = id
			return r, nil
		}
	}
	get := func(id string) *core.Record {
		t.Helper()
		r, _ := c.Get(id, load(id))
		return r
	}
	for _, step := range []struct {
		name      string
		do        func()
		id        string
		wantLoads int
	}{
		{"first", func() {}, "a", 1},
		{"remembered", func() {}, "a", 1},
		{"aged out", func() { now = now.Add(2 * time.Second) }, "a", 2},
		{"forgotten", c.Forget, "a", 3},
		{"a miss is not kept", func() {}, "missing", 4},
		{"and is loaded again", func() {}, "missing", 5},
		{"full: b fits", func() {}, "b", 6},
		{"full: c starts over", func() {}, "c", 7},
		{"a went with it", func() {}, "a", 8},
	} {
		step.do()
		r := get(step.id)
		if loads != step.wantLoads {
			t.Fatalf("%s: %d loads, want %d", step.name, loads, step.wantLoads)
		}
		if (r == nil) != (step.id == "missing") || (r != nil && r.Id != step.id) {
			t.Fatalf("%s: got %v", step.name, r)
		}
	}
	// A record loaded while a change committed is not kept past it.
	if _, err := c.Get("d", func() (*core.Record, error) {
		c.Forget()
		r := &core.Record{}
		r.Id = "d"
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	before := loads
	get("d")
	if loads != before+1 {
		t.Fatal("a record read across a Forget was kept")
	}
}
