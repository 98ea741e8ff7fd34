package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/internal/rttest"
)

const editorOrigin = "http://localhost:5173"

// cluster is two `openstream serve` processes on one data dir and one Redis.
type cluster struct {
	redis            *redistest.Server
	data             string // the shared data dir
	a, b             string // base URLs
	root, admin, emp string // superuser token; access tokens of the suborg admin and the employee
	branch, key      string
	slideshow        string
	group            string
	screens          [2]string
}

// clusterPrefix is the clusters' REDIS_PREFIX: not the default, so the
// tests show every part of the program keeps to it.
const clusterPrefix = "kommune-a:"

func startCluster(t *testing.T) *cluster {
	t.Helper()
	_, data := seedAarhus(t)
	c := &cluster{redis: redistest.Start(t), data: data}
	env := []string{"REDIS_URL=" + c.redis.URL(), "REDIS_PREFIX=" + clusterPrefix, "CORS_ALLOWED_ORIGINS=" + editorOrigin}
	c.a = "http://" + startServer(t, data, env...)
	c.b = "http://" + startServer(t, data, env...)

	c.root = call(t, "POST", c.a+"/api/collections/_superusers/auth-with-password", "", `{"identity":"root@example.dk","password":"root-password-1"}`, 200)["token"].(string)
	branches := call(t, "GET", c.a+"/api/collections/branches/records?filter="+url.QueryEscape("name='Demo Branch'"), c.root, "", 200)
	c.branch = branches["items"].([]any)[0].(map[string]any)["id"].(string)
	c.admin = call(t, "POST", c.a+"/api/token/", "", `{"username":"aarhus_suborg_admin","password":"aarhus_suborg_admin"}`, 200)["access"].(string)
	c.emp = call(t, "POST", c.b+"/api/token/", "", `{"username":"aarhus_employee","password":"aarhus_employee"}`, 200)["access"].(string)
	c.key = call(t, "GET", c.a+"/api/branch-api-key?branch_id="+c.branch, c.admin, "", 200)["api_key"].(string)

	q := "?branch_id=" + c.branch
	c.slideshow = jsonID(call(t, "POST", c.a+"/api/manage_content/"+q, c.admin, `{"name":"Velkommen","slideshow_data":{"slides":[{"name":"one"}]}}`, 201))
	c.group = jsonID(call(t, "POST", c.a+"/api/display-website-groups/"+q, c.admin, `{"name":"Foyer","default_slideshow_id":`+c.slideshow+`}`, 201))
	for i := range c.screens {
		c.screens[i] = jsonID(call(t, "POST", c.a+"/api/display-websites/"+q, c.admin,
			`{"name":"screen `+string(rune('1'+i))+`","display_website_group":`+c.group+`}`, 201))
	}
	return c
}

func jsonID(m map[string]any) string {
	raw, _ := json.Marshal(m["id"])
	return strings.Trim(string(raw), `"`)
}

// screen connects screen i to base and returns it after its first content.
func (c *cluster) screen(t *testing.T, base string, i int) (*rttest.Client, map[string]any) {
	t.Helper()
	s := rttest.Dial(t, rttest.WSURL(base, "/ws/screens/"), nil)
	s.Send(map[string]any{"type": "authenticate", "apiKey": c.key, "displayWebsiteId": c.screens[i]})
	if m := s.Next(); m["type"] != "authenticated" {
		t.Fatalf("screen %d: %v", i, m)
	}
	return s, nextOf(t, s, "type", "content")
}

// editor opens the slideshow's editing socket on base as the token's user.
func (c *cluster) editor(t *testing.T, base, token string) *rttest.Client {
	t.Helper()
	e := rttest.Dial(t, rttest.WSURL(base, "/ws/slideshows/"+c.slideshow+"/?branch="+c.branch), http.Header{"Origin": {editorOrigin}})
	e.Send(map[string]any{"type": "authenticate", "token": token})
	if m := e.Next(); m["type"] != "authenticated" {
		t.Fatalf("editor: %v", m)
	}
	nextOf(t, e, "data", nil)
	return e
}

// nextOf skips messages until one has key (with value want, when not nil).
func nextOf(t *testing.T, c *rttest.Client, key string, want any) map[string]any {
	t.Helper()
	for {
		m := c.Next()
		if v, ok := m[key]; ok && (want == nil || v == want) {
			return m
		}
	}
}

// presenceOf waits for a presence list naming exactly users.
func presenceOf(t *testing.T, c *rttest.Client, users ...string) {
	t.Helper()
	for {
		m := nextOf(t, c, "presence", nil)
		var names []string
		for _, p := range m["presence"].([]any) {
			names = append(names, p.(map[string]any)["display_name"].(string))
		}
		if strings.Join(names, ",") == strings.Join(users, ",") {
			return
		}
	}
}

// Two instances behave as one server: editors on either see each other's
// updates and presence, a change made through A's REST API reaches a
// screen on B, an emergency made on A reaches screens on both, and the
// custom-event stream of B hears it.
func TestRealtimeAcrossInstances(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	onA, _ := c.screen(t, c.a, 0)
	onB, first := c.screen(t, c.b, 1)
	events := rttest.OpenEvents(t, c.b+"/events")

	editorA := c.editor(t, c.a, c.admin)
	editorB := c.editor(t, c.b, c.emp)
	presenceOf(t, editorA, "aarhus_employee", "aarhus_suborg_admin")

	// An update on B's socket: acknowledged there, the new state on A.
	editorB.Send(map[string]any{"type": "update", "data": map[string]any{
		"previewWidth": 1080, "previewHeight": 1920, "slideshow_data": map[string]any{"slides": []any{map[string]any{"name": "New slide name"}}}}})
	nextOf(t, editorB, "message", "Slideshow updated")
	data := nextOf(t, editorA, "data", nil)["data"].(map[string]any)
	if data["previewWidth"] != float64(1080) || !strings.Contains(mustJSON(data["slideshow_data"]), "New slide name") {
		t.Fatalf("editor A got %s", mustJSON(data))
	}

	// A REST change on A: the screen on B gets the new content, the editors its state.
	sent := time.Now()
	call(t, "PATCH", c.a+"/api/manage_content/"+c.slideshow+"/?branch_id="+c.branch, c.admin, `{"name":"Godmorgen"}`, 200)
	for {
		m := nextOf(t, onB, "type", "content") // the socket update above comes first
		if strings.Contains(mustJSON(m["data"]), `"name":"Godmorgen"`) {
			t.Logf("REST change on A to content on B: %v", time.Since(sent))
			if m["version"] == first["version"] {
				t.Fatal("new content, old version")
			}
			break
		}
	}
	for nextOf(t, editorB, "data", nil)["data"].(map[string]any)["name"] != "Godmorgen" {
		// its own update's broadcast comes first
	}

	// An emergency made on A plays on both instances' screens.
	emergency := call(t, "POST", c.a+"/api/emergency-slideshows/?branch_id="+c.branch, c.admin,
		`{"slideshow_id":`+c.slideshow+`,"display_website_group_ids":[`+c.group+`],"is_active":true}`, 201)
	for _, s := range []*rttest.Client{onA, onB} {
		for nextOf(t, s, "type", "content")["data"].(map[string]any)["emergency_active"] != true {
		}
	}
	for {
		ev := events.Next()
		if ev["model"] == "EmergencySlideshow" {
			if ev["id"] != jsonID(emergency) || ev["slideshowId"] != c.slideshow || mustJSON(ev["groupIds"]) != `["`+c.group+`"]` {
				t.Fatalf("event %v", ev)
			}
			break
		}
	}

	// Closing the employee's socket on B leaves the admin alone on A's list.
	editorB.WS.Close()
	presenceOf(t, editorA, "aarhus_suborg_admin")
}

// Redis stops: sockets stay open, editors are told (4007); a change made
// meanwhile on A is not heard by B; Redis returns: B's screen gets a fresh
// snapshot with the change.
func TestRealtimeSurvivesRedisRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	onB, first := c.screen(t, c.b, 1)
	editorA := c.editor(t, c.a, c.admin)

	c.redis.Stop()
	for !strings.Contains(nextOf(t, editorA, "code", float64(4007))["error"].(string), "Redis") {
	}
	nextOf(t, onB, "code", float64(4007))
	call(t, "PATCH", c.a+"/api/manage_content/"+c.slideshow+"/?branch_id="+c.branch, c.admin, `{"name":"Under udfald"}`, 200)

	c.redis.Restart()
	for {
		m := nextOf(t, onB, "type", "content")
		if strings.Contains(mustJSON(m["data"]), "Under udfald") {
			if m["version"] == first["version"] {
				t.Fatal("same version for new content")
			}
			break
		}
	}
	// Both sockets are still usable.
	onB.Send(map[string]any{"type": "resend"})
	nextOf(t, onB, "type", "content")
	editorA.Send(map[string]any{"type": "update", "data": map[string]any{"name": "Efter udfald"}})
	nextOf(t, editorA, "message", "Slideshow updated")
}

// A key switched off by an operator's command stops working on an
// instance that had it cached: the command announces the change through
// Redis, and the instance forgets what it remembered.
func TestSwitchedOffKeyStopsEveryInstance(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	poll := func(base string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/display-website/get-active-content?id="+c.screens[0], nil)
		req.Header.Set("X-API-KEY", c.key)
		return send(t, req).StatusCode
	}
	for _, base := range []string{c.a, c.b} {
		if st := poll(base); st != http.StatusOK {
			t.Fatalf("%s: %d before the switch", base, st)
		}
	}
	onA, _ := c.screen(t, c.a, 0)
	onB, _ := c.screen(t, c.b, 1)
	out, err := openstream(t, t.TempDir(), []string{"REDIS_URL=" + c.redis.URL(), "REDIS_PREFIX=" + clusterPrefix}, "branch-api-key", "deactivate", c.branch, "--dir", c.data)
	if err != nil {
		t.Fatalf("deactivate: %v\n%s", err, out)
	}
	// Each socket is closed after its instance forgot the key, so the
	// REST answers that follow come from the same notice: without a
	// valid key the player needs a user, and there is none.
	for i, s := range []*rttest.Client{onA, onB} {
		s.NextCloses(4001, "Invalid or inactive API key.")
		if st := poll([]string{c.a, c.b}[i]); st != http.StatusUnauthorized {
			t.Fatalf("instance %d still accepts the switched-off key: %d", i, st)
		}
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
