package collections

import "github.com/pocketbase/pocketbase/core"

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
// every collection its relations point to.
func All() []Spec {
	var all []Spec
	for _, area := range [][]Spec{organisationArea(), contentArea(), assetArea(), screenArea()} {
		all = append(all, area...)
	}
	return all
}

// ByName returns the spec of a collection, or false.
func ByName(name string) (Spec, bool) {
	for _, s := range All() {
		if s.Name() == name {
			return s, true
		}
	}
	return Spec{}, false
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
