package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// StaleRevisionError refuses a save based on an older revision than the
// stored one: someone else saved meanwhile, and this save would undo it.
type StaleRevisionError struct {
	Sent, Current int
}

func (e *StaleRevisionError) Error() string {
	return fmt.Sprintf("slideshow revision %d is older than the stored revision %d", e.Sent, e.Current)
}

type revisionKey struct{}

// ExpectRevision marks a save made with ctx as based on revision n: the
// save is refused with a *StaleRevisionError when the stored revision is
// newer than n. The check and the increment are made by the save's own
// write transaction, so two saves based on the same revision (on two
// instances, too) cannot both pass.
func ExpectRevision(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, revisionKey{}, n)
}

func expectedRevision(ctx context.Context) (int, bool) {
	if ctx == nil {
		return 0, false
	}
	n, ok := ctx.Value(revisionKey{}).(int)
	return n, ok
}

// registerRevisions numbers the saves of slideshows (collections.RevisionField),
// whichever way they come. An update increments
// the stored revision with its first statement, which takes SQLite's write
// lock, and reads the result back in the same transaction as the record's
// own write: the number and the check against ExpectRevision see the
// latest committed save, and a refused or failed save rolls both back.
func registerRevisions(app core.App) {
	app.OnRecordCreate(collections.Slideshows).BindFunc(func(e *core.RecordEvent) error {
		e.Record.Set(collections.RevisionField, 1)
		return e.Next()
	})
	app.OnRecordUpdateExecute(collections.Slideshows).BindFunc(func(e *core.RecordEvent) error {
		// The event is shared with the handlers around this one: they get
		// back the app they had, not a transaction that is already over.
		outer := e.App
		defer func() { e.App = outer }()
		return outer.RunInTransaction(func(tx core.App) error {
			e.App = tx
			var next int
			err := tx.NonconcurrentDB().NewQuery(
				"UPDATE {{" + collections.Slideshows + "}} SET [[" + collections.RevisionField + "]] = [[" + collections.RevisionField + "]] + 1" +
					" WHERE [[id]] = {:id} RETURNING [[" + collections.RevisionField + "]]").
				Bind(dbx.Params{"id": e.Record.Id}).WithContext(e.Context).Row(&next)
			if errors.Is(err, sql.ErrNoRows) {
				return e.Next() // deleted meanwhile: PocketBase's write decides
			}
			if err != nil {
				return err
			}
			if want, ok := expectedRevision(e.Context); ok && want < next-1 {
				return &StaleRevisionError{Sent: want, Current: next - 1}
			}
			e.Record.Set(collections.RevisionField, next)
			return e.Next()
		})
	})
}
