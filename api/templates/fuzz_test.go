package templates_test

import (
	"encoding/json"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// Any JSON body on any template write is answered with JSON and a 2xx or
// 4xx, never a 500; a refused write adds no record and changes none.
func FuzzWriteBodies(f *testing.F) {
	w := newWorld(f)
	org := w.Create(f, collections.SlideTemplates, map[string]any{"organisation": w.Org["aarhus"], "name": "Org"})
	copied := w.Create(f, collections.SlideTemplates, map[string]any{"organisation": w.Org["aarhus"], "suborganisation": w.Suborg["aarhus"], "name": "Copy"})
	global := w.Create(f, collections.GlobalSlideTemplates, map[string]any{"name": "Global"})
	targets := []struct{ user, method, path, collection, id string }{
		{"alice", "POST", "/api/slide-templates/?organisation_id=aarhus", collections.SlideTemplates, ""},
		{"alice", "PATCH", "/api/slide-templates/" + org.Id + "/", collections.SlideTemplates, org.Id},
		{"aarhus_suborg_admin", "POST", "/api/suborg-templates/", collections.SlideTemplates, ""},
		{"aarhus_suborg_admin", "PATCH", "/api/suborg-templates/" + copied.Id + "/", collections.SlideTemplates, copied.Id},
		{"sam", "POST", "/api/global-templates/", collections.GlobalSlideTemplates, ""},
		{"sam", "PATCH", "/api/global-templates/" + global.Id + "/", collections.GlobalSlideTemplates, global.Id},
	}
	for _, seed := range []string{`{"name":"A","slide_data":{"id":1},"tag_ids":[1],"category_id":"1","suborg_id":"1","parent_template_id":1}`,
		`{"name":null,"slide_data":null}`, `{"tag_ids":[[]],"category_id":true}`, `{"preview_width":1e300,"thumbnail_url":"data:image/png;base64,AA=="}`,
		`{"suborganisation_id":{},"is_legacy":"maybe"}`, `{"aspect_ratio":""}`, `[]`, `"x"`, `{`, ``, `null`, `{"name":"` + string(rune(0)) + `"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, tg := range targets {
			before, state := w.Count(t, tg.collection), w.state(t, tg.collection, tg.id)
			got := w.Do(t, tg.user, tg.method, tg.path, body)
			if got.Status >= 500 || !json.Valid(got.Body) {
				t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, got.Status, got.Body)
			}
			if got.Status >= 400 && (w.Count(t, tg.collection) != before || w.state(t, tg.collection, tg.id) != state) {
				t.Fatalf("%s %s %q: refused (%d) but data changed", tg.method, tg.path, body, got.Status)
			}
		}
	})
}

// state is a record's stored data as JSON ("" without an id).
func (w *world) state(t testing.TB, collection, id string) string {
	if id == "" {
		return ""
	}
	return string(mustJSON(t, w.Record(t, collection, id).FieldsData()))
}
