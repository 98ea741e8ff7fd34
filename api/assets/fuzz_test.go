package assets_test

import (
	"encoding/json"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

// Any JSON body on any write endpoint is answered with a JSON 2xx or 4xx,
// never a 500, and a refused write changes no table.
func FuzzWriteBodies(f *testing.F) {
	w := newWorld(f)
	cat := w.Create(f, collections.Categories, map[string]any{"name": "News", "organisation": w.Org["aarhus"]})
	tag := w.Create(f, collections.Tags, map[string]any{"name": "Winter", "organisation": w.Org["aarhus"]})
	color := w.Create(f, collections.CustomColors, map[string]any{"name": "Red", "hex_value": "#f00", "type": "text", "position": 1, "organisation": w.Org["aarhus"]})
	font := w.Create(f, collections.CustomFonts, map[string]any{"name": "Inter", "font_url": "https://a.dk/i.woff", "position": 1, "organisation": w.Org["aarhus"]})
	item := w.Create(f, collections.BranchURLItems, map[string]any{"url": "https://a.dk", "branch": w.Branch["aarhus"]})
	q, b := "?organisation_id=aarhus", "?branch_id="+w.Branch["aarhus"]
	targets := []struct{ method, path, collection string }{
		{"POST", "/api/categories/" + q, collections.Categories},
		{"PATCH", "/api/categories/" + cat.Id + "/" + q, collections.Categories},
		{"POST", "/api/tags/" + q, collections.Tags},
		{"PATCH", "/api/tags/" + tag.Id + "/" + q, collections.Tags},
		{"POST", "/api/custom-colors/" + q, collections.CustomColors},
		{"PATCH", "/api/custom-colors/" + color.Id + "/" + q, collections.CustomColors},
		{"POST", "/api/fonts/" + q, collections.CustomFonts},
		{"PATCH", "/api/fonts/" + font.Id + "/" + q, collections.CustomFonts},
		{"PATCH", "/api/text-formatting-settings/" + q, collections.TextFormattingSettings},
		{"POST", "/api/branch-url-items/" + b, collections.BranchURLItems},
		{"PATCH", "/api/branch-url-items/" + item.Id + "/" + b, collections.BranchURLItems},
	}
	for _, seed := range []string{`{"name":"A","hex_value":"#000","type":"text","font_url":"https://a.dk/a.ttf","url":"https://a.dk","branch":1}`,
		`{"name":null}`, `{"name":["x"],"position":-1}`, `{"position":1e300}`, `{"position":"1.5"}`, `{"organisation":{"id":1}}`,
		`{"allow_bold":2}`, `{"branch":"x"}`, `[]`, `"x"`, `{`, ``, `null`, `{"type":{}}`, `{"url":"http://[::1"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, tg := range targets {
			before := w.Count(t, tg.collection)
			got := w.Do(t, "alice", tg.method, tg.path, body)
			if got.Status >= 500 || !json.Valid(got.Body) {
				t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, got.Status, got.Body)
			}
			if got.Status >= 400 && w.Count(t, tg.collection) != before {
				t.Fatalf("%s %s %q: refused (%d) but the table changed", tg.method, tg.path, body, got.Status)
			}
		}
	})
}
