package winkas_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/winkas"
)

var creds = winkas.Credentials{Username: "winkas-user", Password: "winkas-pw", ContractCode: "C123"}

const resources = `{"Resources":[
 {"Id":11,"Name":"Sal 1","ResourceLocation":{"Id":1,"Name":"Kulturhuset","Address":"Vej 1"}},
 {"Id":12,"Name":"Sal 2","ResourceLocation":{"Id":1,"Name":"Kulturhuset","Address":"Vej 1"}},
 {"Id":21,"Name":"Hallen","ResourceLocation":{"Id":2,"Name":"Idrætshallen","Address":"Vej 2"}},
 {"Id":31,"Name":"Uden adresse","ResourceLocation":{"Id":3,"Name":"X","Address":""}},
 {"Id":41,"Name":"Ingen lokation","ResourceLocation":null},
 {"Id":51,"Name":"Tom","ResourceLocation":{"Id":5,"Name":"Tomt hus","Address":"Vej 5"}}]}`

var calendar = map[float64]string{
	11: `[{"ResourceCalendarbooking":{"Subject":"Kor","Start":"2026-06-02T18:00:00","Stop":"2026-06-02T20:00:00"},"BookingOwner":{"FirstName":"Anna"}},
	      {"ResourceCalendarbooking":{"Subject":"Yoga","Start":"2026-06-02T11:00:00","Stop":"2026-06-02T12:00:00"},"BookingOwner":{"FirstName":"Bo"}}]`,
	12: `[{"ResourceCalendarbooking":{"Subject":"Møde","Start":"2026-06-02T12:00:00","Stop":"2026-06-02T13:00:00"},"BookingOwner":null},
	      {"BookingOwner":{"FirstName":"Uden kalender"}}]`,
	21: `null`,
}

// fakeWinKAS plays air.winkas.net/api.
type fakeWinKAS struct {
	srv                       *httptest.Server
	auth, resources, bookings itest.Counter
	mu                        sync.Mutex
	lastBookingRequest        map[string]any
	resourcesStatus           int
	hang                      string // a path that never answers
	done                      chan struct{}
}

func newFakeWinKAS(t *testing.T) *fakeWinKAS {
	f := &fakeWinKAS{resourcesStatus: 200, done: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() { close(f.done); f.srv.Close() })
	return f
}

func (f *fakeWinKAS) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	hang, status := f.hang, f.resourcesStatus
	f.mu.Unlock()
	if r.URL.Path == hang {
		select {
		case <-f.done:
		case <-r.Context().Done():
		}
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "POST JSON only", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/api/Authentication/Authenticate":
		f.auth.Inc()
		if body["UserName"] == creds.Username && body["UserPassword"] == creds.Password && body["UserContractCode"] == creds.ContractCode {
			fmt.Fprint(w, `{"WinKasData":{"CurrentToken":"tok-1","User":"x"}}`)
			return
		}
		fmt.Fprint(w, `{"WinKasData":{"CurrentToken":null},"Error":"wrong login"}`)
	case "/api/Calendar/GetAllResources":
		f.resources.Inc()
		if body["Token"] != "tok-1" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
		fmt.Fprint(w, resources)
	case "/api/Calendar/GetAllResourceEventsInTimePeriod":
		f.bookings.Inc()
		f.mu.Lock()
		f.lastBookingRequest = body
		f.mu.Unlock()
		out := `{"Resources":[`
		ids, _ := body["Resources"].([]any)
		for i, id := range ids {
			if i > 0 {
				out += ","
			}
			out += fmt.Sprintf(`{"Id":%v,"ResourceCalendarbookings":%s}`, id, calendar[id.(float64)])
		}
		fmt.Fprint(w, out+`]}`)
	default:
		http.NotFound(w, r)
	}
}

func newWorld(t *testing.T, apiURL string, c winkas.Credentials) *itest.World {
	return itest.New(t, func(r *router.Router[*core.RequestEvent], d *upstream.Deps) { winkas.Mount(r, d, apiURL, c) })
}

func TestLocations(t *testing.T) {
	f := newFakeWinKAS(t)
	w := newWorld(t, f.srv.URL+"/api/", creds)
	want := `{"1":{"id":1,"location_name":"Kulturhuset","bookables":{"11":{"name":"Sal 1","id":11,"bookings":[]},"12":{"name":"Sal 2","id":12,"bookings":[]}}},` +
		`"2":{"id":2,"location_name":"Idrætshallen","bookables":{"21":{"name":"Hallen","id":21,"bookings":[]}}},` +
		`"5":{"id":5,"location_name":"Tomt hus","bookables":{"51":{"name":"Tom","id":51,"bookings":[]}}}}`
	for _, caller := range []string{w.Key("aarhus"), w.Bearer(t, "alice"), w.Bearer(t, "sam")} {
		got := w.Get(t, "/api/winkas/locations", caller)
		itest.Expect(t, got, 200, want)
		if string(got.Body) != want {
			t.Fatalf("order %s", got.Body)
		}
	}
	if f.auth.N() != 1 || f.resources.N() != 1 {
		t.Fatalf("auth %d, resources %d calls", f.auth.N(), f.resources.N())
	}
}

func TestAccess(t *testing.T) {
	f := newFakeWinKAS(t)
	w := newWorld(t, f.srv.URL+"/api", creds)
	refused := `{"error":"Your organisation does not have access to WinKAS API"}`
	for _, path := range []string{"/api/winkas/locations/", "/api/winkas/bookings/?location=1"} {
		itest.Expect(t, w.Get(t, path), 401, `{"detail":"Authentication credentials were not provided."}`)
		itest.Expect(t, w.Get(t, path, w.Key("odense")), 403, refused)
		itest.Expect(t, w.Get(t, path, w.Bearer(t, "olga")), 403, refused)
		itest.Expect(t, w.Get(t, path, "X-API-KEY: 6f1c3c1e-0000-4000-8000-000000000000"), 403, `{"error":"Invalid or inactive API key."}`)
		itest.Expect(t, w.Get(t, path, w.Key("aarhus")), 200, "")
		itest.Expect(t, w.Get(t, path, w.Bearer(t, "alice")), 200, "")
	}
	if f.resources.N() != 1 {
		t.Fatalf("refused callers reached WinKAS: %d resource calls", f.resources.N())
	}
}

func TestBookings(t *testing.T) {
	f := newFakeWinKAS(t)
	w := newWorld(t, f.srv.URL+"/api", creds)
	key := w.Key("aarhus")
	for _, tc := range []struct {
		name, query string
		status      int
		want        string
	}{
		{"whole location, by start", "location=1", 200, `{"id":1,"location_name":"Kulturhuset","bookings":[` +
			`{"sub_location":"Sal 1","sub_location_id":11,"booking_data":{"subject":"Yoga","start":"2026-06-02T11:00:00","stop":"2026-06-02T12:00:00","booked_by":"Bo"}},` +
			`{"sub_location":"Sal 2","sub_location_id":12,"booking_data":{"subject":"Møde","start":"2026-06-02T12:00:00","stop":"2026-06-02T13:00:00","booked_by":null}},` +
			`{"sub_location":"Sal 1","sub_location_id":11,"booking_data":{"subject":"Kor","start":"2026-06-02T18:00:00","stop":"2026-06-02T20:00:00","booked_by":"Anna"}}]}`},
		{"sub-locations", "location=1&sub_locations=12", 200, `{"location_name":"Kulturhuset","bookings":[` +
			`{"sub_location":"Sal 2","sub_location_id":12,"booking_data":{"subject":"Møde","start":"2026-06-02T12:00:00","stop":"2026-06-02T13:00:00","booked_by":null}}]}`},
		{"unknown sub-location", "location=1&sub_locations=99", 200, `{"location_name":"Kulturhuset","bookings":[]}`},
		{"no calendar list", "location=2", 200, `{"id":2,"location_name":"Idrætshallen","bookings":[]}`},
		{"python int forms", "location=%20%2B1%20", 200, ""},
		{"the last location counts", "location=abc&location=1", 200, ""},
		{"location required", "", 400, `{"error":"location parameter is required"}`},
		{"location not a number", "location=abc", 400, `{"error":"location must be an integer"}`},
		{"sub-locations not numbers", "location=1&sub_locations=12,", 400, `{"error":"sub_locations must be comma-separated integers"}`},
		{"unknown location", "location=9", 404, `{"error":"Failed to get WinKAS bookings: no location 9"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.Get(t, "/api/winkas/bookings?"+tc.query, key)
			itest.Expect(t, got, tc.status, tc.want)
			if tc.want != "" && string(got.Body) != tc.want {
				t.Fatalf("order %s", got.Body)
			}
		})
	}
	// From now (10:30 in Copenhagen) to the next local midnight, written
	// as upstream wrote it.
	f.mu.Lock()
	req := f.lastBookingRequest
	f.mu.Unlock()
	if req["StartTime"] != "2026-06-02T10:30:00Z" || req["EndTime"] != "2026-06-03T00:00:00Z" || req["Token"] != "tok-1" {
		t.Fatalf("booking request %v", req)
	}
	if f.bookings.N() != 3 {
		t.Fatalf("%d booking calls: the unknown sub-location must not call WinKAS", f.bookings.N())
	}
}

func TestCacheLifetimes(t *testing.T) {
	f := newFakeWinKAS(t)
	w := newWorld(t, f.srv.URL+"/api", creds)
	key := w.Key("aarhus")
	counts := func(auth, res, book int) {
		t.Helper()
		if f.auth.N() != auth || f.resources.N() != res || f.bookings.N() != book {
			t.Fatalf("calls auth %d res %d book %d, want %d %d %d", f.auth.N(), f.resources.N(), f.bookings.N(), auth, res, book)
		}
	}
	w.Get(t, "/api/winkas/locations/", key)
	w.Get(t, "/api/winkas/bookings/?location=1", key)
	w.Get(t, "/api/winkas/bookings/?location=1", key)
	counts(1, 1, 1)
	// Sub-location sets are cached apart, in any order.
	w.Get(t, "/api/winkas/bookings/?location=1&sub_locations=12,11", key)
	w.Get(t, "/api/winkas/bookings/?location=1&sub_locations=11,12,11", key)
	counts(1, 1, 2)
	w.Clock.Advance(14*time.Minute + 59*time.Second)
	w.Get(t, "/api/winkas/bookings/?location=1", key)
	counts(1, 1, 2)
	// Bookings and the token last 15 minutes, resources a day.
	w.Clock.Advance(time.Second)
	w.Get(t, "/api/winkas/bookings/?location=1", key)
	w.Get(t, "/api/winkas/locations/", key)
	counts(2, 1, 3)
	w.Clock.Advance(24 * time.Hour)
	w.Get(t, "/api/winkas/locations/", key)
	counts(3, 2, 3)
}

func TestFailures(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		f := newFakeWinKAS(t)
		w := newWorld(t, f.srv.URL+"/api", winkas.Credentials{})
		itest.Expect(t, w.Get(t, "/api/winkas/locations/", w.Key("aarhus")), 500,
			`{"error":"Failed to get WinKAS locations: WinKAS credentials are not configured"}`)
		if f.auth.N() != 0 {
			t.Fatal("called WinKAS without credentials")
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		f := newFakeWinKAS(t)
		w := newWorld(t, f.srv.URL+"/api", winkas.Credentials{Username: "x", Password: "y"})
		itest.Expect(t, w.Get(t, "/api/winkas/locations/", w.Key("aarhus")), 500,
			`{"error":"Failed to get WinKAS locations: WinKAS authentication failed"}`)
		itest.Expect(t, w.Get(t, "/api/winkas/bookings/?location=1", w.Key("aarhus")), 500,
			`{"error":"Failed to get WinKAS bookings: WinKAS authentication failed"}`)
	})
	t.Run("server error, remembered briefly", func(t *testing.T) {
		f := newFakeWinKAS(t)
		f.resourcesStatus = 500
		w := newWorld(t, f.srv.URL+"/api", creds)
		itest.Expect(t, w.Get(t, "/api/winkas/locations/", w.Key("aarhus")), 500,
			`{"error":"Failed to get WinKAS locations: upstream answered HTTP 500"}`)
		f.mu.Lock()
		f.resourcesStatus = 200
		f.mu.Unlock()
		w.Get(t, "/api/winkas/locations/", w.Key("aarhus"))
		if f.resources.N() != 1 {
			t.Fatal("failure not remembered")
		}
		w.Clock.Advance(30 * time.Second)
		itest.Expect(t, w.Get(t, "/api/winkas/locations/", w.Key("aarhus")), 200, "")
	})
	for _, path := range []string{"/api/Authentication/Authenticate", "/api/Calendar/GetAllResources"} {
		t.Run("timeout in "+path, func(t *testing.T) {
			f := newFakeWinKAS(t)
			f.hang = path
			w := newWorld(t, f.srv.URL+"/api", creds)
			w.Deps.Timeout = 50 * time.Millisecond
			itest.Expect(t, w.Get(t, "/api/winkas/locations/", w.Key("aarhus")), 503,
				`{"error":"Failed to get WinKAS locations: the upstream service did not answer in time"}`)
		})
	}
	t.Run("timeout in bookings", func(t *testing.T) {
		f := newFakeWinKAS(t)
		f.hang = "/api/Calendar/GetAllResourceEventsInTimePeriod"
		w := newWorld(t, f.srv.URL+"/api", creds)
		w.Deps.Timeout = 50 * time.Millisecond
		itest.Expect(t, w.Get(t, "/api/winkas/bookings/?location=1", w.Bearer(t, "alice")), 503,
			`{"error":"Failed to get WinKAS bookings: the upstream service did not answer in time"}`)
	})
}
