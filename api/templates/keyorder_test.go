package templates_test

import (
	"encoding/json"
	"testing"

	"github.com/openstream-go/openstream/internal/apitest"
)

// slideData is a template as the editor writes it: keys in its own order
// at every level, numbers spelt its way.
const slideData = `{"name":"Menu","elements":[{"type":"text","id":3,"style":{"zIndex":1,"color":"#000"},"size":1.50}],"duration":10}`

// rawField is body's key exactly as the body carries it.
func rawField(t *testing.T, body []byte, key string) string {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj[key] == nil {
		t.Fatalf("no %s in %s", key, body)
	}
	return string(obj[key])
}

// slide_data is stored and served as written, key for key, by the
// organisation's and the global templates.
func TestSlideDataKeptAsWritten(t *testing.T) {
	w := newWorld(t)
	created := w.Do(t, "alice", "POST", "/api/slide-templates/?organisation_id=aarhus", `{"name":"Menu","slide_data":`+slideData+`}`)
	apitest.Check(t, created, 201, "")
	id := rawField(t, created.Body, "id")
	one := "/api/slide-templates/" + id + "/"
	if got := rawField(t, created.Body, "slide_data"); got != slideData {
		t.Errorf("create: %s", got)
	}
	const patchedData = `{"z":{"b":[2,1],"a":0.10}}`
	patched := w.Do(t, "alice", "PATCH", one, `{"slide_data":`+patchedData+`}`)
	read := w.Do(t, "ulla", "GET", one, nil)
	for what, body := range map[string][]byte{"patch": patched.Body, "read": read.Body} {
		if got := rawField(t, body, "slide_data"); got != patchedData {
			t.Errorf("%s: %s", what, got)
		}
	}

	global := w.Do(t, "sam", "POST", "/api/global-templates/", `{"name":"Poster","slide_data":`+slideData+`}`)
	apitest.Check(t, global, 201, "")
	read = w.Do(t, "olga", "GET", "/api/global-templates/"+rawField(t, global.Body, "id")+"/", nil)
	for what, body := range map[string][]byte{"create": global.Body, "read": read.Body} {
		if got := rawField(t, body, "slide_data"); got != slideData {
			t.Errorf("global %s: %s", what, got)
		}
	}
}
