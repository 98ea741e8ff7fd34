package collections

import "github.com/pocketbase/pocketbase/core"

// The audit trail (package audit writes it). Rows are append-only: the
// hooks of package audit refuse every update and delete, and every create
// through an API, superusers included; only the record hooks add rows.
// Targets and organisations are plain ids, not relations, so that a row
// outlives what it names.

func auditArea() []Spec {
	return []Spec{{Collection: auditEvents()}}
}

func auditEvents() *core.Collection {
	c := newBase(AuditEvents)
	actor := text("actor", 100, true)
	actor.Help = `The user's id, "_superusers:<id>" for a dashboard superuser, or "system".`
	organisation := text("organisation", 32, false)
	organisation.Help = "The id of the organisation the target belonged to (empty: none)."
	c.Fields.Add(
		actor,
		text("actor_name", 255, false),
		text("action", 64, true),
		text("target_collection", 64, true),
		text("target_id", 32, true),
		organisation,
		text("instance", 255, false),
		text("ip", 64, false),
		jsonData("details"),
		created("created"),
	)
	c.AddIndex("idx_audit_events_org_created", false, "organisation, created", "")
	c.AddIndex("idx_audit_events_target", false, "target_collection, target_id", "")
	return c
}
