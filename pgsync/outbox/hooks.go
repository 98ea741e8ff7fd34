package outbox

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// HookID names the outbox handlers, so they can be found and unbound.
const HookID = "pgsync_outbox"

// Bind records every create, update and delete of a record whose
// collection is mirrored (mirrored(name) is true). The handlers wrap the
// database write: the outbox row is written by the same transaction, and
// a write that was not in a transaction gets one. notify is called after
// each committed change, to wake the worker without polling.
func Bind(app core.App, mirrored func(collection string) bool, notify func()) {
	wrap := func(op string) func(e *core.ModelEvent) error {
		return func(e *core.ModelEvent) error {
			r, ok := e.Model.(*core.Record)
			if !ok || !mirrored(r.Collection().Name) {
				return e.Next()
			}
			// The event is shared with the handlers around this one and
			// with PocketBase's after-success hooks: they must get back
			// the app they had, not a transaction that is already over.
			outer := e.App
			defer func() { e.App = outer }()
			return outer.RunInTransaction(func(tx core.App) error {
				e.App = tx
				if err := e.Next(); err != nil {
					return err
				}
				return Add(tx.NonconcurrentDB(), r.Collection().Name, r.Id, op)
			})
		}
	}
	// The default priority puts these inside PocketBase's record hooks, next
	// to the write itself: the transaction holds SQLite's one writer lock
	// for the row and its outbox entry only, not for a file upload to S3 or
	// the OTP clean-up that run around it.
	app.OnModelCreateExecute().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wrap(OpUpsert)})
	app.OnModelUpdateExecute().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wrap(OpUpsert)})
	app.OnModelDeleteExecute().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wrap(OpDelete)})

	if notify == nil {
		return
	}
	wake := func(e *core.ModelEvent) error {
		if r, ok := e.Model.(*core.Record); ok && mirrored(r.Collection().Name) {
			notify()
		}
		return e.Next()
	}
	app.OnModelAfterCreateSuccess().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wake})
	app.OnModelAfterUpdateSuccess().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wake})
	app.OnModelAfterDeleteSuccess().Bind(&hook.Handler[*core.ModelEvent]{Id: HookID, Func: wake})
}
