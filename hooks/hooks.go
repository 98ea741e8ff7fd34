// Package hooks enforces the OpenStream model invariants as PocketBase
// record hooks, so that they hold whichever door a write comes through: the
// OpenStream REST API, PocketBase's own API, the dashboard or Go code.
//
// Every rejected write is a validation error keyed by field, which PocketBase
// answers with a 400 and which Go callers can inspect; nothing half-writes.
package hooks

import (
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
)

// Register binds every model hook to app; loc is the zone of the recurring
// schedules' wall-clock times.
func Register(app core.App, loc *time.Location) {
	names := collections.Names()
	registerDefaults(app, names)
	registerIds(app, names)
	registerUnique(app, names)
	registerOrganisations(app)
	registerBranches(app)
	registerMemberships(app)
	registerSlideshows(app)
	registerPlaylistItems(app)
	registerPositions(app)
	registerScreens(app)
	registerActivation(app)
	registerSchedules(app, loc)
	registerLogin(app)
	audit.Register(app)
}

// fieldError is the validation error PocketBase renders as
// {"data":{"<field>":{"code":...,"message":...}}}.
func fieldError(field, code, message string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, message)}
}

// onSave binds fn to both creates and updates of the named collections.
func onSave(app core.App, fn func(e *core.RecordEvent) error, names ...string) {
	app.OnRecordCreate(names...).BindFunc(fn)
	app.OnRecordUpdate(names...).BindFunc(fn)
}
