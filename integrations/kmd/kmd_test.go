package kmd_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/kmd"
)

const apiKey = "s3cr&t key"

// answers are KMD's by facility code; a number is an HTTP status. The
// clock stands at 10:30 in Copenhagen.
var answers = map[string]any{
	"EBH": `{"AccessControlRecords":{"OccasionRecords":[
	 {"FacilityName":" Engelsborghallerne ","PartOfObjectName":"EBH - Badmintonhal","ObjectName":"EBH - Badmintonhal, Bane 1","Activity":"Badminton","CustomerName":"LTK Badminton","FomKlo":"17:00","TomKlo":"19:00","Extra":1},
	 {"FacilityName":"Engelsborghallerne","PartOfObjectName":"Multihallen","ObjectName":"(Bruges ikke) EBH - Klublokale+køkken","Activity":"Møde","CustomerName":"Klub","FomKlo":"09:00","TomKlo":"11:00"},
	 {"FacilityName":"Engelsborghallerne","PartOfObjectName":"Multihallen","ObjectName":"Multihal 1/3","Activity":"Gymnastik","CustomerName":"Gym","FomKlo":"08:00","TomKlo":"10:30"},
	 {"FacilityName":"","ObjectName":"Uden anlæg","FomKlo":"12:00","TomKlo":"13:00"},
	 {"FacilityName":"Virumhallerne","PartOfObjectName":"VH-Hal","ObjectName":"VHX - Hal","Activity":null,"CustomerName":"C","FomKlo":"12:00","TomKlo":"23:59"}]}}`,
	"LST": `{"AccessControlRecords":{"OccasionRecords":[
	 {"FacilityName":"Lyngby Idrætsby Hal","PartOfObjectName":"LYIB - Padeltennis","ObjectName":"LYIB - Padeltennis - bane 1","Activity":"Padel","CustomerName":"P","FomKlo":"9:05","TomKlo":"22:00"}]}}`,
	"LH": `{"AccessControlRecords":{"OccasionRecords":[
	 {"FacilityName":"Lundtoftehallen","PartOfObjectName":"Hal","ObjectName":"Hal","Activity":"A","CustomerName":"C","FomKlo":"07:00","TomKlo":"08:00"}]}}`,
	"VH": 500,
}

type fakeKMD struct {
	srv   *httptest.Server
	calls itest.Counter
	mu    sync.Mutex
	last  string
	body  map[string]string // overrides answers
}

func newFakeKMD(t *testing.T) *fakeKMD {
	f := &fakeKMD{body: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Inc()
		if r.URL.Path != "/kmd_webapi/api/Monitor/GetFilteredAccessControlRecords" || r.URL.Query().Get("authenticationCode") != apiKey {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		code := r.URL.Query().Get("facility")
		f.mu.Lock()
		f.last = r.URL.RawQuery
		override, ok := f.body[code]
		f.mu.Unlock()
		if ok {
			fmt.Fprint(w, override)
			return
		}
		switch a := answers[code].(type) {
		case int:
			w.WriteHeader(a)
		case string:
			fmt.Fprint(w, a)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newWorld(t *testing.T, apiURL, key string) *itest.World {
	return itest.New(t, func(r *router.Router[*core.RequestEvent], d *upstream.Deps) { kmd.Mount(r, d, apiURL, key) })
}

const (
	moede     = `{"FacilityName":"Engelsborghallerne","PartOfObjectName":"Multihallen","ObjectName":"Klublokale+køkken","Activity":"Møde","CustomerName":"Klub","FomKlo":"09:00","TomKlo":"11:00"}`
	badminton = `{"FacilityName":"Engelsborghallerne","PartOfObjectName":"Badmintonhal","ObjectName":"Badmintonhal, Bane 1","Activity":"Badminton","CustomerName":"LTK Badminton","FomKlo":"17:00","TomKlo":"19:00"}`
)

func TestBookings(t *testing.T) {
	f := newFakeKMD(t)
	w := newWorld(t, f.srv.URL+"/kmd_webapi/api/", apiKey)
	key := w.Key("aarhus")
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"facility, ended dropped, by start", `{"location":"Engelsborghallerne"}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + moede + `,` + badminton + `],"is_sub_loc":false}`},
		{"all", `{"location":"Engelsborghallerne","sub_locations":"all"}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + moede + `,` + badminton + `],"is_sub_loc":false}`},
		{"empty list is all", `{"location":"Engelsborghallerne","sub_locations":[]}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + moede + `,` + badminton + `],"is_sub_loc":false}`},
		{"room by ObjectName", `{"location":"Engelsborghallerne","sub_locations":["Klublokale+køkken",["x"],{"y":1}]}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + moede + `],"is_sub_loc":true}`},
		{"room by PartOfObjectName", `{"location":"Engelsborghallerne","sub_locations":["Badmintonhal"]}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + badminton + `],"is_sub_loc":true}`},
		{"one room as a string", `{"location":"Engelsborghallerne","sub_locations":"Multihallen"}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[` + moede + `],"is_sub_loc":true}`},
		{"no such room", `{"location":"Engelsborghallerne","sub_locations":["Nope"]}`, 200,
			`{"loc_name":"Engelsborghallerne","data":[],"is_sub_loc":true}`},
		{"other facility name: first group", `{"location":"Lyngby Idrætsby","sub_locations":["x"]}`, 200,
			`{"loc_name":"Lyngby Idrætsby","data":[{"FacilityName":"Lyngby Idrætsby Hal","PartOfObjectName":"Padeltennis","ObjectName":"Padeltennis - bane 1","Activity":"Padel","CustomerName":"P","FomKlo":"9:05","TomKlo":"22:00"}],"is_sub_loc":false}`},
		{"everything ended", `{"location":"Lundtoftehallen"}`, 404, `{"error":"No data found for location Lundtoftehallen"}`},
		{"KMD error", `{"location":"Virumhallerne"}`, 400, `{"error":"Invalid location or failed to fetch data"}`},
		{"unknown facility", `{"location":"Nowhere"}`, 400, `{"error":"Invalid location or failed to fetch data"}`},
		{"facility not a string", `{"location":5}`, 400, `{"error":"Invalid location or failed to fetch data"}`},
		{"location missing", `{"sub_locations":"all"}`, 400, `{"error":"location is required"}`},
		{"location blank", `{"location":""}`, 400, `{"error":"location is required"}`},
		{"not JSON", `{"location":`, 400, `{"error":"Invalid JSON"}`},
		{"empty body", ``, 400, `{"error":"Invalid JSON"}`},
		{"not an object", `["Engelsborghallerne"]`, 400, `{"error":"Invalid JSON"}`},
		{"sub_locations a number", `{"location":"Engelsborghallerne","sub_locations":3}`, 400, `{"error":"sub_locations must be a list of names or \"all\""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.Do(t, http.MethodPost, "/api/kmd/", tc.body, key)
			itest.Expect(t, got, tc.status, tc.want)
			if tc.status == 200 && string(got.Body) != tc.want {
				t.Fatalf("key order\n got %s\nwant %s", got.Body, tc.want)
			}
		})
	}
	f.mu.Lock()
	last := f.last
	f.mu.Unlock()
	if last != "facility=VH&dateTimeFrom=2026-06-02&dateTimeTo=2026-06-02&authenticationCode=s3cr%26t+key" {
		t.Fatalf("query %q", last)
	}
	itest.Expect(t, w.Get(t, "/api/kmd/", key), 405, `{"detail":"Method \"GET\" not allowed."}`)
	itest.Expect(t, w.Do(t, http.MethodPost, "/api/kmd", `{"location":"Engelsborghallerne"}`, key), 200, "")
}

func TestCache(t *testing.T) {
	f := newFakeKMD(t)
	w := newWorld(t, f.srv.URL+"/kmd_webapi/api", apiKey)
	post := func() itest.Response {
		return w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Bearer(t, "alice"))
	}
	full := `{"loc_name":"Engelsborghallerne","data":[` + moede + `,` + badminton + `],"is_sub_loc":false}`
	itest.Expect(t, post(), 200, full) // 10:30
	f.mu.Lock()
	f.body["EBH"] = `{"AccessControlRecords":{"OccasionRecords":[]}}`
	f.mu.Unlock()
	w.Clock.Advance(14*time.Minute + 59*time.Second)
	itest.Expect(t, post(), 200, full)
	if f.calls.N() != 1 {
		t.Fatalf("%d calls within 15 minutes", f.calls.N())
	}
	w.Clock.Advance(time.Second)
	itest.Expect(t, post(), 404, `{"error":"No data found for location Engelsborghallerne"}`)
	if f.calls.N() != 2 {
		t.Fatalf("%d calls after 15 minutes", f.calls.N())
	}
}

// Bookings that end while their answer is cached leave it at once.
func TestEndedBookingsLeaveTheCachedAnswer(t *testing.T) {
	f := newFakeKMD(t)
	w := newWorld(t, f.srv.URL+"/kmd_webapi/api", apiKey)
	post := func() itest.Response {
		return w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus"))
	}
	w.Clock.Advance(20 * time.Minute) // 10:50
	itest.Expect(t, post(), 200, `{"loc_name":"Engelsborghallerne","data":[`+moede+`,`+badminton+`],"is_sub_loc":false}`)
	w.Clock.Advance(10 * time.Minute) // 11:00, the meeting's end
	itest.Expect(t, post(), 200, `{"loc_name":"Engelsborghallerne","data":[`+badminton+`],"is_sub_loc":false}`)
	if f.calls.N() != 1 {
		t.Fatalf("%d calls within 15 minutes", f.calls.N())
	}
}

func TestFailures(t *testing.T) {
	t.Run("bad end time refuses the answer", func(t *testing.T) {
		f := newFakeKMD(t)
		f.body["EBH"] = `{"AccessControlRecords":{"OccasionRecords":[{"FacilityName":"Engelsborghallerne","FomKlo":"08:00","TomKlo":"8.30"}]}}`
		w := newWorld(t, f.srv.URL+"/kmd_webapi/api", apiKey)
		itest.Expect(t, w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus")), 400,
			`{"error":"Invalid location or failed to fetch data"}`)
		// Remembered briefly only.
		w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus"))
		f.mu.Lock()
		delete(f.body, "EBH")
		f.mu.Unlock()
		w.Clock.Advance(30 * time.Second)
		itest.Expect(t, w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus")), 200, "")
		if f.calls.N() != 2 {
			t.Fatalf("%d calls", f.calls.N())
		}
	})
	t.Run("no API key configured", func(t *testing.T) {
		f := newFakeKMD(t)
		w := newWorld(t, f.srv.URL+"/kmd_webapi/api", "")
		itest.Expect(t, w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus")), 400,
			`{"error":"Invalid location or failed to fetch data"}`)
		if f.calls.N() != 0 {
			t.Fatal("called KMD without a key")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		hang := itest.Hanging(t)
		w := newWorld(t, hang.URL, apiKey)
		w.Deps.Timeout = 50 * time.Millisecond
		got := w.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`, w.Key("aarhus"))
		itest.Expect(t, got, 503, `{"error":"Failed to fetch data: the upstream service did not answer in time"}`)
		if strings.Contains(string(got.Body), "s3cr") {
			t.Fatal("the KMD key leaked into the answer")
		}
	})
}

func TestAccess(t *testing.T) {
	f := newFakeKMD(t)
	w := newWorld(t, f.srv.URL+"/kmd_webapi/api", apiKey)
	refused := `{"error":"Your organisation does not have access to KMD API"}`
	for _, tc := range []struct {
		name, header string
		status       int
	}{
		{"anonymous", "", 401},
		{"key of a granted organisation", w.Key("aarhus"), 200},
		{"key of an organisation with a switched-off grant", w.Key("odense"), 403},
		{"unknown key", "X-API-KEY: 00000000-0000-4000-8000-000000000000", 403},
		{"user of a granted organisation", w.Bearer(t, "alice"), 200},
		{"user of an organisation without access", w.Bearer(t, "olga"), 403},
		{"super admin", w.Bearer(t, "sam"), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, req := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/kmd/locations/", ""},
				{http.MethodPost, "/api/kmd/", `{"location":"Engelsborghallerne"}`},
			} {
				var body any
				if req.body != "" {
					body = req.body
				}
				got := w.Do(t, req.method, req.path, body, tc.header)
				switch {
				case tc.status == 403 && strings.Contains(tc.header, "00000000"):
					itest.Expect(t, got, 403, `{"error":"Invalid or inactive API key."}`)
				case tc.status == 403:
					itest.Expect(t, got, 403, refused)
				default:
					itest.Expect(t, got, tc.status, "")
				}
			}
		})
	}
}

func TestLocations(t *testing.T) {
	w := newWorld(t, "http://127.0.0.1:1", apiKey)
	want, err := jsonx.Marshal(data.Load().KMDRooms)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/kmd/locations", "/api/kmd/locations/"} {
		got := w.Get(t, path, w.Key("aarhus"))
		itest.Expect(t, got, 200, string(want))
		if string(got.Body) != string(want) {
			t.Fatalf("not the table verbatim: %s", got.Body)
		}
	}
	body := string(want)
	for _, part := range []string{
		`{"Engelsborghallerne":["Badmintonhal","Badmintonhal, Bane 1",`,
		`"Klublokale","Klublokale","Klublokale+køkken","Køkken","Køkken",`,
		`"Træningslokale 1. sal - kampsport","ikke i brug"],"Lyngby Idrætsby":[`,
		`"Kunst 3 - langhåret","Kunst1 - DEL 1 (halv)",`,
		`"Mødelokale  4","Mødelokale  5","Mødelokale 1",`,
	} {
		if !strings.Contains(body, part) {
			t.Errorf("rooms lack %s", part)
		}
	}
	itest.Expect(t, w.Do(t, http.MethodPost, "/api/kmd/locations/", nil, w.Key("aarhus")), 405, `{"detail":"Method \"POST\" not allowed."}`)
}
