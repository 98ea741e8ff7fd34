package ddb_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/ddb"
	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
)

// events is a recorded-shape DDB event list around itest.Start (Tuesday
// 2 June 2026, 08:30 UTC). Ids say what each one tests.
const events = `[
 {"id":"later","title":"Strikkecafé","date_time":{"start":"2026-06-10T16:00:00+02:00","end":"2026-06-10T18:00:00+02:00"},
  "branches":"BIBLIOTEKET Rentemestervej","categories":"Hygge","tags":["strik",{"x":1}],
  "address":{"location":"Bibliotekshuset","street":"Rentemestervej 76","city":"København NV"}},
 {"id":1,"title":"Yoga for alle","date_time":{"start":"2026-06-02T09:00:00+02:00"},"branches":["Hovedbiblioteket"],
  "categories":["Motion","Børn"],"url":"https://bibliotek.kk.dk/arrangementer/yoga"},
 "junk", 42, null,
 {"id":"yesterday","title":"Gammel","date_time":{"start":"2026-06-01T20:00:00+00:00"},"categories":["Arkiv"]},
 {"id":"naive","title":"Uden zone","date_time":{"start":"2026-06-03T10:00:00"}},
 {"id":"nostart","title":"Uden tid","date_time":{}},
 {"title":"Foredrag","slug":"abc","date_time":{"start":"2026-06-05T18:00:00Z"},"venue_name":"Ørestad Bibliotek",
  "categories":["foredrag"],"price":{"amount":50,"free":false},"ticket":"Gratis"},
 {"id":6,"title":"Morgensang","date_time":{"start":"2026-06-02T07:30:00+00:00"},"location":"ＨＯＶＥＤＢＩＢＬＩＯＴＥＫＥＴ"}
]`

// fakeDDB plays the kommuner's CMSs: "/kk/events" answers body with
// status; every other kommune answers 404.
type fakeDDB struct {
	srv    *httptest.Server
	calls  itest.Counter
	status int
	body   string
}

func newFakeDDB(t *testing.T) *fakeDDB {
	f := &fakeDDB{status: http.StatusOK, body: events}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/kk/events" {
			http.NotFound(w, r)
			return
		}
		f.calls.Inc()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// baseURLs point every kommune at the fake, so no test reaches the internet.
func (f *fakeDDB) baseURLs() map[string]string {
	return map[string]string{
		"København": f.srv.URL + "/kk", "Brøndby": f.srv.URL + "/brondby", "Lyngby-Taarbaek": f.srv.URL + "/lyngby",
		"Aalborg": f.srv.URL + "/aalborg", "Fredericia": f.srv.URL + "/fredericia",
	}
}

func newWorld(t *testing.T, urls map[string]string) *itest.World {
	return itest.New(t, func(r *router.Router[*core.RequestEvent], d *upstream.Deps) { ddb.Mount(r, d, urls) })
}

// ids lists the "id" (or "slug") of each event of a body.
func ids(t *testing.T, body []byte) []string {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("not a list: %v\n%s", err, body)
	}
	out := []string{}
	for _, ev := range list {
		id, ok := ev["id"]
		if !ok {
			id = ev["slug"]
		}
		out = append(out, fmt.Sprint(id))
	}
	return out
}

func TestEvents(t *testing.T) {
	f := newFakeDDB(t)
	w := newWorld(t, f.baseURLs())
	all := []string{"1", "6", "abc", "later"}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"window and start order", "", all},
		{"days bounds the window", "&days=3", []string{"1", "6"}},
		{"days 0 is no bound", "&days=0", all},
		{"days with spaces and sign", "&days=%20%2B3%20", []string{"1", "6"}},
		{"blank days is 0", "&days=%20", all},
		{"library by branches list", "&libraries=hovedbiblioteket", []string{"1", "6"}},
		{"library by scalar branches", "&branches=BIBLIOTEKET%20Rentemestervej", []string{"later"}},
		{"library by venue_name", "&library=%C3%98restad%20Bibliotek", []string{"abc"}},
		{"library by address.location", "&libraries=Bibliotekshuset", []string{"later"}},
		{"libraries comma-separated and repeated", "&libraries=Bibliotekshuset,Nope&libraries=Hovedbiblioteket", []string{"1", "6", "later"}},
		{"libraries wins over branches", "&libraries=Bibliotekshuset&branches=Hovedbiblioteket", []string{"later"}},
		{"category case-insensitive", "&categories=MOTION", []string{"1"}},
		{"category scalar field", "&category=hygge", []string{"later"}},
		{"search in tags", "&search=STRIK", []string{"later"}},
		{"search in address", "&search=rentemestervej%2076", []string{"later"}},
		{"search in object tag", "&search=%7B%27x%27", []string{"later"}},
		{"event ids", "&eventIds=abc,later", []string{"abc", "later"}},
		{"event_ids wins", "&event_ids=1&eventIds=abc", []string{"1"}},
		{"event id by url", "&eventIds=https://bibliotek.kk.dk/arrangementer/yoga", []string{"1"}},
		{"event id by title and start", "&eventIds=Morgensang%7C2026-06-02T07:30:00%2B00:00", []string{"6"}},
		{"extra field filter", "&ticket=GRAT", []string{"abc"}},
		{"extra filter on an object field", "&price=%27free%27:%20false", []string{"abc"}},
		{"extra filter on a missing field", "&nosuchfield=x", []string{}},
		{"sort, order and selectionMode are no filters", "&sort=x&order=y&selectionMode=z", all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"+tc.query)
			itest.Expect(t, got, http.StatusOK, "")
			if ids := ids(t, got.Body); !slices.Equal(ids, tc.want) {
				t.Fatalf("events %v, want %v", ids, tc.want)
			}
		})
	}

	// The events come back byte for byte as the CMS sent them.
	got := w.Get(t, "/api/ddb/events?kommune=K%C3%B8benhavn&eventIds=abc")
	want := `[{"title":"Foredrag","slug":"abc","date_time":{"start":"2026-06-05T18:00:00Z"},"venue_name":"Ørestad Bibliotek","categories":["foredrag"],"price":{"amount":50,"free":false},"ticket":"Gratis"}]`
	if string(got.Body) != want {
		t.Fatalf("raw events\n got %s\nwant %s", got.Body, want)
	}
	if f.calls.N() != 1 {
		t.Fatalf("%d upstream calls for one kommune within the cache period", f.calls.N())
	}
}

func TestEventsErrors(t *testing.T) {
	f := newFakeDDB(t)
	w := newWorld(t, f.baseURLs())
	for _, tc := range []struct {
		name, url string
		status    int
		want      string
	}{
		{"kommune required", "/api/ddb/events/", 400, `{"error":"kommune parameter is required"}`},
		{"blank kommune", "/api/ddb/events/?kommune=", 400, `{"error":"kommune parameter is required"}`},
		{"days not a number", "/api/ddb/events/?kommune=X&days=abc", 400, `{"error":"'days' parameter must be a positive integer."}`},
		{"days negative", "/api/ddb/events/?kommune=K%C3%B8benhavn&days=-1", 400, `{"error":"'days' parameter must be a positive integer."}`},
		{"days too large", "/api/ddb/events/?kommune=K%C3%B8benhavn&days=1000000000", 400, `{"error":"'days' parameter must be a positive integer."}`},
		{"unknown kommune", "/api/ddb/events/?kommune=Odense", 400,
			`{"error":"Odense is an invalid kommune. Supported kommuner are: Brøndby, København, Lyngby-Taarbaek, Aalborg, Fredericia"}`},
		{"unknown library", "/api/ddb/events/?kommune=K%C3%B8benhavn&libraries=Nope,Nix", 400,
			`{"error":"None of the requested libraries are available for the selected kommune.","requested":["Nope","Nix"],"available":["Hovedbiblioteket","BIBLIOTEKET Rentemestervej","Bibliotekshuset","Ørestad Bibliotek"]}`},
		{"unknown category", "/api/ddb/events/?kommune=K%C3%B8benhavn&category=Nope", 400,
			`{"error":"None of the requested categories are available for the selected kommune.","requested":["Nope"],"available":["Arkiv","Børn","foredrag","Hygge","Motion"]}`},
		{"CMS not found", "/api/ddb/events/?kommune=Aalborg", 503, `{"error":"Failed to fetch data from external API"}`},
		{"wrong method", "/api/ddb/events/", 405, `{"detail":"Method \"POST\" not allowed."}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodGet
			if tc.status == 405 {
				method = http.MethodPost
			}
			itest.Expect(t, w.Do(t, method, tc.url, nil), tc.status, tc.want)
		})
	}
}

func TestEventsUpstreamFailures(t *testing.T) {
	t.Run("bad JSON is a 500 and not kept", func(t *testing.T) {
		f := newFakeDDB(t)
		f.body = `[{"id":1,`
		w := newWorld(t, f.baseURLs())
		got := w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn")
		itest.Expect(t, got, http.StatusInternalServerError, "")
		if body := string(got.Body); !strings.HasPrefix(body, `{"error":"Failed to decode JSON: `) {
			t.Fatalf("body %s", body)
		}
		// The failure is remembered briefly, then the CMS is asked again.
		w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn")
		if f.calls.N() != 1 {
			t.Fatalf("%d calls within the error period", f.calls.N())
		}
		f.body = events
		w.Clock.Advance(30 * time.Second)
		itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), http.StatusOK, "")
		if f.calls.N() != 2 {
			t.Fatalf("%d calls after the error period", f.calls.N())
		}
	})
	t.Run("not a list", func(t *testing.T) {
		f := newFakeDDB(t)
		f.body = `{"events":[]}`
		w := newWorld(t, f.baseURLs())
		itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), 500,
			`{"error":"Unexpected error processing response: expected a JSON array"}`)
	})
	t.Run("server error", func(t *testing.T) {
		f := newFakeDDB(t)
		f.status = http.StatusBadGateway
		w := newWorld(t, f.baseURLs())
		itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), 503, `{"error":"Failed to fetch data from external API"}`)
	})
	t.Run("timeout", func(t *testing.T) {
		hang := itest.Hanging(t)
		w := newWorld(t, map[string]string{"København": hang.URL})
		w.Deps.Timeout = 50 * time.Millisecond
		itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), 503, `{"error":"Failed to fetch data from external API"}`)
	})
	t.Run("no events", func(t *testing.T) {
		f := newFakeDDB(t)
		f.body = `[]`
		w := newWorld(t, f.baseURLs())
		itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), 200, `[]`)
	})
}

func TestEventsCache(t *testing.T) {
	f := newFakeDDB(t)
	w := newWorld(t, f.baseURLs())
	get := func() { itest.Expect(t, w.Get(t, "/api/ddb/events/?kommune=K%C3%B8benhavn"), 200, "") }
	get()
	w.Clock.Advance(29*time.Minute + 59*time.Second)
	get()
	if f.calls.N() != 1 {
		t.Fatalf("%d calls within 30 minutes", f.calls.N())
	}
	w.Clock.Advance(time.Second)
	get()
	if f.calls.N() != 2 {
		t.Fatalf("%d calls after 30 minutes", f.calls.N())
	}
	// The options' categories come from the same cached list.
	w.Get(t, "/api/ddb/options/?include_categories=1&kommune=K%C3%B8benhavn")
	if f.calls.N() != 2 {
		t.Fatalf("options fetched again: %d calls", f.calls.N())
	}
}

func TestOptions(t *testing.T) {
	f := newFakeDDB(t)
	w := newWorld(t, f.baseURLs())

	got := w.Get(t, "/api/ddb/options")
	itest.Expect(t, got, 200, "")
	// Kommuner in upstream's order, not sorted.
	if !strings.HasPrefix(string(got.Body), `{"kommuner":{"Brøndby":{"base_url":"`+f.srv.URL+`/brondby","libraries":[{"name":"Biblioteket i Kilden","branch_id":10},`) ||
		!strings.Contains(string(got.Body), `"Fredericia":{"base_url":"`+f.srv.URL+`/fredericia","libraries":[{"name":"Fredericia Bibliotek","branch_id":10},`) ||
		!strings.HasSuffix(string(got.Body), `}]}},"opening_hours_path":"/opening_hours"}`) ||
		strings.Contains(string(got.Body), "categories") {
		t.Fatalf("options %s", got.Body)
	}
	var body struct {
		Kommuner map[string]json.RawMessage `json:"kommuner"`
	}
	if err := json.Unmarshal(got.Body, &body); err != nil || len(body.Kommuner) != 5 {
		t.Fatalf("kommuner %v %v", err, body.Kommuner)
	}
	if f.calls.N() != 0 {
		t.Fatal("options without categories called the CMS")
	}

	itest.Expect(t, w.Get(t, "/api/ddb/options/?kommune=K%C3%B8benhavn&include_categories=TRUE"), 200,
		`{"kommuner":{"København":{"base_url":"`+f.srv.URL+`/kk","libraries":[{"name":"Hovedbiblioteket","branch_id":230},{"name":"BIBLIOTEKET Rentemestervej","branch_id":209},{"name":"Bibliotekshuset","branch_id":228},{"name":"Ørestad Bibliotek","branch_id":246}],"categories":["Arkiv","Børn","foredrag","Hygge","Motion"]}},"opening_hours_path":"/opening_hours"}`)

	// A CMS that fails gives no categories, not an error.
	itest.Expect(t, w.Get(t, "/api/ddb/options/?kommune=Aalborg&include_categories=yes"), 200,
		`{"kommuner":{"Aalborg":{"base_url":"`+f.srv.URL+`/aalborg","libraries":[{"name":"Hals Bibliotek","branch_id":111},{"name":"Haraldslund","branch_id":115},{"name":"Hasseris Bibliotek","branch_id":117},{"name":"HistorieAalborg","branch_id":119},{"name":"Hovedbiblioteket","branch_id":170},{"name":"Nibe Bibliotek","branch_id":121},{"name":"Nørresundby Bibliotek","branch_id":192},{"name":"Storvorde Bibliotek","branch_id":125},{"name":"Svenstrup Bibliotek","branch_id":127},{"name":"Trekanten - Bibliotek og Kulturhus","branch_id":129},{"name":"Vejgaard Bibliotek","branch_id":135},{"name":"Vodskov Bibliotek","branch_id":137}],"categories":[]}},"opening_hours_path":"/opening_hours"}`)

	got = w.Get(t, "/api/ddb/options/?include_categories=1")
	if !strings.Contains(string(got.Body), `"categories":["Arkiv","Børn","foredrag","Hygge","Motion"]`) || strings.Count(string(got.Body), `"categories":[]`) != 4 {
		t.Fatalf("all kommuner with categories: %s", got.Body)
	}

	itest.Expect(t, w.Get(t, "/api/ddb/options/?kommune=Odense"), 400,
		`{"error":"Odense is an invalid kommune. Supported kommuner are: Brøndby, København, Lyngby-Taarbaek, Aalborg, Fredericia","validKommuner":["Brøndby","København","Lyngby-Taarbaek","Aalborg","Fredericia"]}`)
}

func TestOptionsTimeoutGivesNoCategories(t *testing.T) {
	hang := itest.Hanging(t)
	w := newWorld(t, map[string]string{"Brøndby": hang.URL})
	w.Deps.Timeout = 50 * time.Millisecond
	got := w.Get(t, "/api/ddb/options/?kommune=Br%C3%B8ndby&include_categories=true")
	itest.Expect(t, got, 200, "")
	if !strings.Contains(string(got.Body), `"categories":[]`) {
		t.Fatalf("%s", got.Body)
	}
}

func TestDefaultBaseURLsAreUpstreams(t *testing.T) {
	w := newWorld(t, nil)
	got := w.Get(t, "/api/ddb/options/?kommune=Fredericia")
	if !strings.Contains(string(got.Body), `"base_url":"https://fredericiabib.dk/api/v1"`) {
		t.Fatalf("%s", got.Body)
	}
}

func TestProxy(t *testing.T) {
	w := newWorld(t, nil)
	for _, path := range []string{"/api/ddb/proxy", "/api/ddb/proxy/"} {
		itest.Expect(t, w.Get(t, path), 200, `{"message":"Hello from DDB Proxy endpoint!"}`)
	}
	itest.Expect(t, w.Do(t, http.MethodDelete, "/api/ddb/proxy/", nil), 405, `{"detail":"Method \"DELETE\" not allowed."}`)
}
