package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
)

// signage is one branch's screen setup: landscape and portrait slideshows,
// a landscape playlist of two items, a group defaulting to the slideshow
// and a screen in that group.
type signage struct {
	branch, key                   string
	slideshow, portrait, playlist string
	item1, item2                  string
	group, screen                 string
	slideshowName, playlistName   string
}

func (w *world) signage(t testing.TB, org string) signage {
	t.Helper()
	b := w.branch[org]
	key, err := apikey.ForBranch(w.app, b)
	if err != nil {
		t.Fatal(err)
	}
	s := signage{branch: b, key: key.GetString("key"), slideshowName: org + " welcome", playlistName: org + " loop"}
	s.slideshow = w.record(t, collections.Slideshows, map[string]any{
		"name": s.slideshowName, "branch": b, "slideshow_data": map[string]any{"slides": []any{map[string]any{"id": 1}}},
	})
	s.portrait = w.record(t, collections.Slideshows, map[string]any{
		"name": org + " portrait", "branch": b, "preview_width": 1080, "preview_height": 1920,
	})
	s.playlist = w.record(t, collections.Playlists, map[string]any{"name": s.playlistName, "branch": b})
	s.item1 = w.record(t, collections.PlaylistItems, map[string]any{"slideshow_playlist": s.playlist, "slideshow": s.slideshow})
	s.item2 = w.record(t, collections.PlaylistItems, map[string]any{"slideshow_playlist": s.playlist, "slideshow": s.slideshow})
	s.group = w.record(t, collections.DisplayWebsiteGroups, map[string]any{
		"name": org + " lobby", "branch": b, "default_slideshow": s.slideshow,
	})
	s.screen = w.record(t, collections.DisplayWebsites, map[string]any{
		"name": org + " screen 1", "branch": b, "display_website_group": s.group,
	})
	return s
}

func (w *world) count(t testing.TB, collection string) int {
	t.Helper()
	return w.Count(t, collection)
}

// ids names the signage records for placeholder substitution.
func (s signage) ids(prefix string) map[string]string {
	return map[string]string{
		prefix + "branch": s.branch, prefix + "key": s.key, prefix + "slideshow": s.slideshow, prefix + "portrait": s.portrait,
		prefix + "playlist": s.playlist, prefix + "item1": s.item1, prefix + "item2": s.item2,
		prefix + "group": s.group, prefix + "screen": s.screen,
	}
}

// sub replaces every {name} in s with ids[name].
func sub(s string, ids map[string]string) string {
	for k, v := range ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// subAny applies sub to every string inside a JSON-like value.
func subAny(v any, ids map[string]string) any {
	switch t := v.(type) {
	case string:
		return sub(t, ids)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = subAny(x, ids)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = subAny(x, ids)
		}
		return out
	}
	return v
}

// apiRow is one request of a screens table: user "" is anonymous, key
// sends X-API-KEY; path, body and want may hold {placeholders}.
type apiRow struct {
	name, user, key, method, path string
	body                          any
	status                        int
	want                          string
	check                         func(t *testing.T, r response)
}

func (w *world) runRows(t *testing.T, ids map[string]string, rows []apiRow) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var headers []string
			if r.user != "" {
				headers = append(headers, "Authorization: "+w.bearer(t, r.user))
			}
			if r.key != "" {
				headers = append(headers, "X-API-KEY: "+sub(r.key, ids))
			}
			got := w.do(t, r.method, sub(r.path, ids), subAny(r.body, ids), headers...)
			expect(t, got, r.status, sub(r.want, ids))
			if r.check != nil {
				r.check(t, got)
			}
		})
	}
}

// slideshowJSON is the full Slideshow shape of a signage slideshow.
const slideshowJSON = `{"id":{slideshow},"name":"aarhus welcome","category":null,"tags":[],"mode":"slideshow",` +
	`"is_emergency_slideshow":false,"branch":{branch},"created_by":null,"preview_width":1920,"preview_height":1080,` +
	`"is_custom_dimensions":true,"slideshow_data":{"slides":[{"id":1}]},"is_legacy":false,"aspect_ratio":"16:9","revision":1}`

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustFind(t *testing.T, w *world, collection, id string) *core.Record {
	t.Helper()
	r, err := w.app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
