package weather_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/weather"
)

// answers are open-meteo's by latitude; a number is an HTTP status.
var answers = map[string]any{
	"55.614":  `{"latitude":55.62,"current_units":{"temperature_2m":"°C"},"current":{"time":"2026-06-02T08:30","temperature_2m":7.3,"precipitation":0.4,"cloud_cover":45,"relative_humidity_2m":80}}`,
	"56.3083": `{"current":{"temperature_2m":-1.0,"precipitation":5,"cloud_cover":95}}`,
	"55.5868": `{}`,
	"55.8765": 503,
	"55.9276": `not json`,
	"55.2502": `{"current":{"temperature_2m":3,"precipitation":null}}`,
	"55.4024": `{"current":{"cloud_cover":79.9,"precipitation":0.1}}`,
	"57.0963": `{"current":{"temperature_2m":12,"cloud_cover":9.99,"precipitation":4.99}}`,
	"55.5281": `[1,2]`,
	"56.4537": `{"current":"sunny"}`,
}

type fakeMeteo struct {
	srv   *httptest.Server
	calls itest.Counter
	last  string
}

func newFakeMeteo(t *testing.T) *fakeMeteo {
	f := &fakeMeteo{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Inc()
		f.last = r.URL.RawQuery
		switch a := answers[r.URL.Query().Get("latitude")].(type) {
		case int:
			w.WriteHeader(a)
		case string:
			fmt.Fprint(w, a)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newWorld(t *testing.T, u string) *itest.World {
	return itest.New(t, func(r *router.Router[*core.RequestEvent], d *upstream.Deps) { weather.Mount(r, d, u) })
}

func TestWeather(t *testing.T) {
	f := newFakeMeteo(t)
	w := newWorld(t, f.srv.URL+"/v1/forecast")
	for _, tc := range []struct {
		location string
		status   int
		want     string
	}{
		{"København", 200, `{"weather":{"temperature":7.3,"precipitationText":"💦","cloudCoverText":"⛅"}}`},
		{"Aarhus", 200, `{"weather":{"temperature":-1.0,"precipitationText":"","cloudCoverText":""}}`},
		{"Roskilde", 200, `{"weather":{"temperature":"N/A","precipitationText":"","cloudCoverText":"☀️"}}`},
		{"Slagelse", 200, `{"weather":{"temperature":"N/A","precipitationText":"💦","cloudCoverText":"☁️"}}`},
		{"Aalborg", 200, `{"weather":{"temperature":12,"precipitationText":"💦","cloudCoverText":"☀️"}}`},
		{"Hørsholm", 200, `{"weather":{"error":"HTTP error 503"}}`},
		{"Næstved", 200, `{"weather":{"error":"Unexpected error: precipitation is not a number"}}`},
		{"Esbjerg", 200, `{"weather":{"error":"Unexpected error: the answer is not a JSON object"}}`},
		{"Randers", 200, `{"weather":{"error":"Unexpected error: \"current\" is not a JSON object"}}`},
		{"", 400, `{"error":"location parameter is required"}`},
		{"Atlantis", 400, `{"error":"Invalid location"}`},
		{"københavn", 400, `{"error":"Invalid location"}`},
	} {
		t.Run(tc.location, func(t *testing.T) {
			itest.Expect(t, w.Get(t, "/api/rss/weather/?location="+url.QueryEscape(tc.location)), tc.status, tc.want)
		})
	}
	got := w.Get(t, "/api/rss/weather?location=Hiller%C3%B8d")
	itest.Expect(t, got, 200, "")
	if !strings.HasPrefix(string(got.Body), `{"weather":{"error":"Request error: `) {
		t.Fatalf("%s", got.Body)
	}
	// The query is upstream's, commas and all.
	if f.last != "latitude=55.9276&longitude=12.3008&current=temperature_2m,precipitation,cloud_cover,relative_humidity_2m&models=dmi_seamless" {
		t.Fatalf("query %q", f.last)
	}
	// The last of repeated parameters counts, as in Django.
	itest.Expect(t, w.Get(t, "/api/rss/weather/?location=Atlantis&location=Aarhus"), 200, `{"weather":{"temperature":-1.0,"precipitationText":"","cloudCoverText":""}}`)
}

func TestWeatherCache(t *testing.T) {
	f := newFakeMeteo(t)
	w := newWorld(t, f.srv.URL)
	get := func(loc string) { w.Get(t, "/api/rss/weather/?location="+url.QueryEscape(loc)) }

	get("København")
	w.Clock.Advance(9*time.Minute + 59*time.Second)
	get("København")
	if f.calls.N() != 1 {
		t.Fatalf("%d calls within 10 minutes", f.calls.N())
	}
	w.Clock.Advance(time.Second)
	get("København")
	if f.calls.N() != 2 {
		t.Fatalf("%d calls after 10 minutes", f.calls.N())
	}
	// Places are cached apart.
	get("Aarhus")
	if f.calls.N() != 3 {
		t.Fatalf("%d calls", f.calls.N())
	}
	// Errors are kept 30 seconds, not 10 minutes as upstream did.
	get("Hørsholm")
	w.Clock.Advance(29 * time.Second)
	get("Hørsholm")
	if f.calls.N() != 4 {
		t.Fatalf("%d calls within the error period", f.calls.N())
	}
	w.Clock.Advance(time.Second)
	get("Hørsholm")
	if f.calls.N() != 5 {
		t.Fatalf("%d calls after the error period", f.calls.N())
	}
}

func TestWeatherTimeout(t *testing.T) {
	hang := itest.Hanging(t)
	w := newWorld(t, hang.URL)
	w.Deps.Timeout = 50 * time.Millisecond
	itest.Expect(t, w.Get(t, "/api/rss/weather/?location=Vejle"), http.StatusServiceUnavailable,
		`{"weather":{"error":"Request error: the upstream service did not answer in time"}}`)
}

func TestLocations(t *testing.T) {
	w := newWorld(t, "http://127.0.0.1:1")
	want := `{"locations":["København","Lyngby-Taarbæk","Roskilde","Hørsholm","Hillerød","Næstved","Slagelse","Aarhus","Aalborg","Esbjerg","Randers","Kolding","Horsens","Vejle","Herning","Silkeborg","Fredericia"]}`
	for _, path := range []string{"/api/rss/weather/locations/", "/api/rss/weather/locations"} {
		got := w.Get(t, path)
		itest.Expect(t, got, 200, want)
		if string(got.Body) != want {
			t.Fatalf("order: %s", got.Body)
		}
	}
	itest.Expect(t, w.Do(t, http.MethodPut, "/api/rss/weather/locations/", nil), 405, `{"detail":"Method \"PUT\" not allowed."}`)
}
