package hooks_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
)

func revisionOf(t *testing.T, app core.App, id string) int {
	t.Helper()
	r, err := app.FindRecordById(collections.Slideshows, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetInt(collections.RevisionField)
}

// A slideshow is revision 1 when created and one more with every save,
// whichever way it is saved; a revision sent through PocketBase's API is
// not taken.
func TestRevisionCountsSaves(t *testing.T) {
	f := newFixture(t)
	id := f.ids["SL"]
	if got := revisionOf(t, f.app, id); got != 1 {
		t.Fatalf("created: revision %d", got)
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, id)
	r.Set("name", "Go save")
	if err := f.app.Save(r); err != nil {
		t.Fatal(err)
	}
	if r.GetInt(collections.RevisionField) != 2 || revisionOf(t, f.app, id) != 2 {
		t.Fatalf("after a save: record %d, stored %d", r.GetInt(collections.RevisionField), revisionOf(t, f.app, id))
	}
	res := f.patch(t, collections.Slideshows, id, map[string]any{"name": "API save", "revision": 99})
	if res.Status != 200 || res.JSON(t)["revision"] != float64(3) {
		t.Fatalf("PocketBase API: %d %s", res.Status, res.Body)
	}
	created := f.make(t, "SL2", collections.Slideshows, map[string]any{"name": "SL2", "branch": f.ids["B"], "revision": 42})
	if created["revision"] != float64(1) {
		t.Fatalf("created with a revision: %v", created)
	}
}

// A save based on a revision is checked against the stored one by the
// save itself: of two saves loaded at the same revision, the second is
// refused even though its record looked current when it was loaded, and
// the first one's values stay.
func TestStaleRevisionRefused(t *testing.T) {
	f := newFixture(t)
	id := f.ids["SL"]
	first, _ := f.app.FindRecordById(collections.Slideshows, id)
	second, _ := f.app.FindRecordById(collections.Slideshows, id)
	first.Set("name", "First")
	if err := f.app.SaveWithContext(hooks.ExpectRevision(context.Background(), 1), first); err != nil {
		t.Fatal(err)
	}
	second.Set("name", "Second")
	err := f.app.SaveWithContext(hooks.ExpectRevision(context.Background(), 1), second)
	stale, ok := errors.AsType[*hooks.StaleRevisionError](err)
	if !ok || stale.Sent != 1 || stale.Current != 2 {
		t.Fatalf("stale save: %v", err)
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, id)
	if r.GetString("name") != "First" || r.GetInt(collections.RevisionField) != 2 {
		t.Fatalf("stored %s revision %d", r.GetString("name"), r.GetInt(collections.RevisionField))
	}
	// The current revision, a newer one and none at all are accepted.
	for i, ctx := range []context.Context{
		hooks.ExpectRevision(context.Background(), 2), hooks.ExpectRevision(context.Background(), 9), context.Background(),
	} {
		second.Set("name", "Second")
		if err := f.app.SaveWithContext(ctx, second); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	if got := revisionOf(t, f.app, id); got != 5 {
		t.Fatalf("revision %d, want 5", got)
	}
}

// Saves racing from one revision: exactly one of them is stored.
func TestConcurrentSavesOfOneRevision(t *testing.T) {
	f := newFixture(t)
	id := f.ids["SL"]
	const n = 8
	records := make([]*core.Record, n)
	for i := range records {
		records[i], _ = f.app.FindRecordById(collections.Slideshows, id)
		records[i].Set("name", "Writer "+string(rune('A'+i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range records {
		wg.Go(func() { errs[i] = f.app.SaveWithContext(hooks.ExpectRevision(context.Background(), 1), records[i]) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch _, stale := errors.AsType[*hooks.StaleRevisionError](err); {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Fatalf("writers %d and %d both saved revision 1", winner, i)
		case !stale:
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, id)
	if winner < 0 || r.GetString("name") != records[winner].GetString("name") || r.GetInt(collections.RevisionField) != 2 {
		t.Fatalf("winner %d, stored %q revision %d", winner, r.GetString("name"), r.GetInt(collections.RevisionField))
	}
}
