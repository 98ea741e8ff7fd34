package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// choiceOf returns the value of select field f that the stored s stands
// for: s itself when it is one, else the value whose value or label
// (collections.ChoiceLabels) equals s with case and surrounding spaces
// ignored. Django never enforced choices on save, so upstream rows may
// hold "Slideshow" or " slideshow" where "slideshow" belongs.
func choiceOf(collection string, f *core.SelectField, s string) (string, error) {
	if slices.Contains(f.Values, s) {
		return s, nil
	}
	want := strings.TrimSpace(s)
	// Values first: a value wins over another value's label.
	for _, v := range f.Values {
		if strings.EqualFold(v, want) {
			return v, nil
		}
	}
	labels := collections.ChoiceLabels[collection][f.Name]
	for _, v := range f.Values {
		if l := labels[v]; l != "" && strings.EqualFold(l, want) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%q is none of the choices %s", s, strings.Join(f.Values, ", "))
}

// Mapping counts the rows whose stored select value was imported as the
// field's value it stands for (a label, another case, extra spaces).
type Mapping struct {
	Column string // upstream column
	From   string // as stored upstream
	To     string // as imported
	Rows   int
}

// addMapping counts m in t, merging it with an equal mapping.
func (t *TableSummary) addMapping(m Mapping) {
	for i, old := range t.Mapped {
		if old.Column == m.Column && old.From == m.From && old.To == m.To {
			t.Mapped[i].Rows += m.Rows
			return
		}
	}
	t.Mapped = append(t.Mapped, m)
}
