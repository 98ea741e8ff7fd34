package collections

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// Spec is one collection: its PocketBase schema plus the upstream defaults
// that a PocketBase field cannot express (a default of true, "16:9", 1920...).
type Spec struct {
	Collection *core.Collection
	// Defaults are applied to a new record for fields left unset: by
	// NewRecord for Go code, and by a request hook for the REST API.
	Defaults map[string]any
}

// Name is the collection name.
func (s Spec) Name() string { return s.Collection.Name }

// All returns every collection in dependency order: a collection comes after
// every collection its relations point to. Each carries its API rules
// (rules.go).
func All() []Spec {
	var all []Spec
	for _, area := range [][]Spec{organisationArea(), contentArea(), assetArea(), screenArea(), auditArea()} {
		all = append(all, area...)
	}
	rules := apiRules()
	for _, s := range all {
		r, ok := rules[s.Name()]
		if !ok {
			// Every collection states its rules, superuser-only included.
			panic("collections: no API rules for " + s.Name())
		}
		r.set(s.Collection)
	}
	return all
}

// Names lists every collection name in dependency order.
func Names() []string {
	all := All()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name()
	}
	return names
}

// defaults indexes every spec's Defaults by collection name, built once
// because hooks consult it on every create.
var defaults = sync.OnceValue(func() map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, s := range All() {
		m[s.Name()] = s.Defaults
	}
	return m
})

// Defaults returns the upstream defaults of a collection (nil when none).
// The map is shared: do not modify it.
func Defaults(name string) map[string]any { return defaults()[name] }
