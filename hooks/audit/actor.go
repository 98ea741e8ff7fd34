// Package audit keeps the append-only audit trail (the audit_events
// collection): who did what to which record, when, from which instance and
// address. Record hooks write it, so every door (the OpenStream API,
// PocketBase's API and dashboard, the CLI, Go code) is covered; who acted
// comes from the context a save was given, from PocketBase's request
// events, or is "system".
package audit

import "context"

// System is the actor of changes no user made: the CLI, imports, the
// schedule timer.
const System = "system"

// Actor is who made a change.
type Actor struct {
	// ID is the user's id, "_superusers:<id>" for a dashboard superuser,
	// or System.
	ID string
	// Name is the username or email, for people reading the trail.
	Name string
	// IP is the client's address when there was a request.
	IP string
	// Action, when set, names the change instead of the one the hook
	// would derive (e.g. "emergency.expire").
	Action string
}

type actorKey struct{}

// WithActor returns ctx carrying who makes the saves done with it
// (app.SaveWithContext, app.DeleteWithContext).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor ctx carries.
func ActorFrom(ctx context.Context) (Actor, bool) {
	if ctx == nil {
		return Actor{}, false
	}
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Expiry is the actor and action of an emergency switched off by its
// expiry.
func Expiry(ctx context.Context) context.Context {
	return WithActor(ctx, Actor{ID: System, Action: ActionEmergencyExpire})
}

// The actions recorded.
const (
	ActionEmergencyCreate     = "emergency.create"
	ActionEmergencyActivate   = "emergency.activate"
	ActionEmergencyDeactivate = "emergency.deactivate"
	ActionEmergencyExpire     = "emergency.expire"
	ActionEmergencyEdit       = "emergency.edit"
	ActionEmergencyDelete     = "emergency.delete"
)
