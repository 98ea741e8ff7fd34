package collections_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// Every select field of every collection has a label for each of its
// values and for nothing else, and no label names two values of a field.
func TestEverySelectFieldHasLabels(t *testing.T) {
	seen := map[string]bool{}
	for _, spec := range collections.All() {
		for _, f := range spec.Collection.Fields {
			sf, ok := f.(*core.SelectField)
			if !ok {
				continue
			}
			key := spec.Name() + "." + sf.Name
			seen[key] = true
			labels := collections.ChoiceLabels[spec.Name()][sf.Name]
			if got := slices.Sorted(maps.Keys(labels)); !slices.Equal(got, slices.Sorted(slices.Values(sf.Values))) {
				t.Errorf("%s: labels for %v, want one for each of %v", key, got, sf.Values)
			}
			names := map[string]string{}
			for v, l := range labels {
				if other, dup := names[strings.ToLower(l)]; dup || l == "" {
					t.Errorf("%s: label %q of %q is empty or also %q's", key, l, v, other)
				}
				names[strings.ToLower(l)] = v
			}
		}
	}
	for name, fields := range collections.ChoiceLabels {
		for field := range fields {
			if !seen[name+"."+field] {
				t.Errorf("ChoiceLabels has %s.%s, which is no select field", name, field)
			}
		}
	}
}
