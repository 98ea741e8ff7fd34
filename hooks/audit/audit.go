package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
)

// Audited are the collections whose changes the trail records.
var Audited = []string{
	collections.EmergencySlideshows, collections.BranchAPIKeys, collections.DisplayWebsites,
	collections.Memberships, collections.Organisations, collections.Suborganisations, collections.Branches,
}

// More actions (the emergency ones are in actor.go).
const (
	ActionAPIKeyRotate       = "api_key.rotate"
	ActionAPIKeyDeactivate   = "api_key.deactivate"
	ActionAPIKeyActivate     = "api_key.activate"
	ActionScreenDelete       = "screen.delete"
	ActionMembershipCreate   = "membership.create"
	ActionMembershipUpdate   = "membership.update"
	ActionMembershipDelete   = "membership.delete"
	ActionOrganisationDelete = "organisation.delete"
	ActionSuborgDelete       = "suborganisation.delete"
	ActionBranchDelete       = "branch.delete"
)

// Anonymous is the actor of a request without a signed-in caller.
const Anonymous = "anonymous"

// ErrAppendOnly refuses every change of an audit event.
var ErrAppendOnly = errors.New("The audit trail is append-only.")

// FromRequest is the caller of a request: the user (or dashboard
// superuser) and the client's address.
func FromRequest(e *core.RequestEvent) Actor {
	a := Actor{ID: Anonymous, IP: e.RealIP()}
	switch {
	case e.Auth == nil:
	case e.Auth.IsSuperuser():
		a.ID, a.Name = core.CollectionNameSuperusers+":"+e.Auth.Id, e.Auth.Email()
	default:
		a.ID, a.Name = e.Auth.Id, e.Auth.GetString("username")
	}
	return a
}

// Request is the context to save with in a request handler, so the trail
// names its caller. It is not cancelled with the request: a write that
// began is finished.
func Request(e *core.RequestEvent) context.Context {
	return WithActor(context.WithoutCancel(e.Request.Context()), FromRequest(e))
}

// Register binds the trail's hooks to app.
func Register(app core.App) {
	host, _ := os.Hostname()
	t := &trail{instance: fmt.Sprintf("%s/%d", host, os.Getpid())}

	// Who acts through PocketBase's API and dashboard: the request hooks
	// see the caller, the record hooks the same record.
	remember := func(e *core.RecordRequestEvent) error {
		t.requests.Store(e.Record, FromRequest(e.RequestEvent))
		defer t.requests.Delete(e.Record)
		return e.Next()
	}
	app.OnRecordCreateRequest(Audited...).BindFunc(remember)
	app.OnRecordUpdateRequest(Audited...).BindFunc(remember)
	app.OnRecordDeleteRequest(Audited...).BindFunc(remember)

	app.OnRecordCreate(Audited...).BindFunc(func(e *core.RecordEvent) error { return t.record(e, opCreate) })
	app.OnRecordUpdate(Audited...).BindFunc(func(e *core.RecordEvent) error { return t.record(e, opUpdate) })
	app.OnRecordDelete(Audited...).BindFunc(func(e *core.RecordEvent) error { return t.record(e, opDelete) })

	// Append-only, for everyone: no create through either API (superusers
	// included), no update or delete at all.
	app.OnRecordCreateRequest(collections.AuditEvents).BindFunc(func(e *core.RecordRequestEvent) error {
		return router.NewApiError(http.StatusForbidden, ErrAppendOnly.Error(), nil)
	})
	refuse := func(e *core.RecordEvent) error { return ErrAppendOnly }
	app.OnRecordUpdate(collections.AuditEvents).BindFunc(refuse)
	app.OnRecordDelete(collections.AuditEvents).BindFunc(refuse)
}

type op int

const (
	opCreate op = iota
	opUpdate
	opDelete
)

// parent is a delete in progress: what is deleted with it (PocketBase's
// cascades, inside its e.Next) inherits its organisation and actor.
type parent struct {
	org   string
	actor Actor
}

type trail struct {
	instance string
	requests sync.Map // *core.Record -> Actor, while PocketBase's API saves it

	// deleting are the deletes in progress, innermost last. Hooks that
	// write run inside a transaction, and SQLite has one writer, so while
	// a delete is in progress only its own cascade reaches these hooks.
	mu       sync.Mutex
	deleting []parent
}

func (t *trail) push(p parent) {
	t.mu.Lock()
	t.deleting = append(t.deleting, p)
	t.mu.Unlock()
}

func (t *trail) pop() {
	t.mu.Lock()
	t.deleting = t.deleting[:len(t.deleting)-1]
	t.mu.Unlock()
}

// cascade is the innermost delete in progress.
func (t *trail) cascade() (parent, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.deleting) == 0 {
		return parent{}, false
	}
	return t.deleting[len(t.deleting)-1], true
}

// record runs the change and, in the same transaction, adds its events;
// a failure of either undoes both.
func (t *trail) record(e *core.RecordEvent, o op) error {
	outer := e.App
	defer func() { e.App = outer }()
	return outer.RunInTransaction(func(tx core.App) error {
		e.App = tx
		r := e.Record
		actor := t.actor(e)
		var org string
		var err error
		if o == opDelete { // before the row (and, for cascades, its parent) is gone
			if org, err = t.organisation(tx, r); err != nil {
				return err
			}
			t.push(parent{org: org, actor: actor})
			defer t.pop()
		}
		if err := e.Next(); err != nil {
			return err
		}
		actions, details := derive(r, o)
		if len(actions) == 0 {
			return nil
		}
		if o != opDelete {
			if org, err = t.organisation(tx, r); err != nil {
				return err
			}
		}
		if actor.Action != "" && len(actions) == 1 {
			actions = []string{actor.Action}
		}
		for _, action := range actions {
			if err := t.write(tx, actor, action, r, org, details); err != nil {
				return err
			}
		}
		return nil
	})
}

// actor: the context's, else the PocketBase request's, else that of the
// deleted parent this record goes with, else the system.
func (t *trail) actor(e *core.RecordEvent) Actor {
	if a, ok := ActorFrom(e.Context); ok {
		return a
	}
	if a, ok := t.requests.Load(e.Record); ok {
		return a.(Actor)
	}
	if p, ok := t.cascade(); ok {
		return p.actor
	}
	return Actor{ID: System}
}

// organisation is the id of the organisation r belongs to; when its
// parents are gone already (a cascade), the one of the delete in progress.
func (t *trail) organisation(app core.App, r *core.Record) (string, error) {
	org, err := organisationOf(app, r)
	if org == "" && err == nil {
		if p, ok := t.cascade(); ok {
			org = p.org
		}
	}
	return org, err
}

func organisationOf(app core.App, r *core.Record) (string, error) {
	branch := func(id string) (string, error) { return access.BranchOrganisation(app, id) }
	switch r.Collection().Name {
	case collections.Organisations:
		return r.Id, nil
	case collections.Suborganisations, collections.Memberships:
		return r.GetString("organisation"), nil
	case collections.Branches:
		s, err := app.FindRecordById(collections.Suborganisations, r.GetString("suborganisation"))
		if err != nil {
			return "", nil // gone: no organisation to name
		}
		return s.GetString("organisation"), nil
	case collections.DisplayWebsites, collections.BranchAPIKeys:
		return branch(r.GetString("branch"))
	case collections.EmergencySlideshows:
		for _, g := range r.GetStringSlice("display_website_groups") {
			if group, err := app.FindRecordById(collections.DisplayWebsiteGroups, g); err == nil {
				return branch(group.GetString("branch"))
			}
		}
		if s, err := app.FindRecordById(collections.Slideshows, r.GetString("slideshow")); err == nil {
			return branch(s.GetString("branch"))
		}
	}
	return "", nil
}

func (t *trail) write(app core.App, a Actor, action string, r *core.Record, org string, details map[string]any) error {
	ev, err := collections.NewRecord(app, collections.AuditEvents)
	if err != nil {
		return err
	}
	ev.Load(map[string]any{
		"actor": cut(a.ID, 100), "actor_name": cut(a.Name, 255), "action": action,
		"target_collection": r.Collection().Name, "target_id": r.Id, "organisation": org,
		"instance": cut(t.instance, 255), "ip": cut(a.IP, 64), "details": details,
	})
	if err := app.Save(ev); err != nil {
		return fmt.Errorf("audit %s of %s %s: %w", action, r.Collection().Name, r.Id, err)
	}
	return nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
