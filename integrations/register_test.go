package integrations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/integrations"
	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/internal/testenv"
)

// upstreams plays every external service on one loopback server and
// counts the calls per path.
type upstreams struct {
	srv   *httptest.Server
	calls map[string]*itest.Counter
}

func newUpstreams(t *testing.T) *upstreams {
	u := &upstreams{calls: map[string]*itest.Counter{}}
	answers := map[string]string{
		"/ddb/kk/events":                      `[{"id":1,"title":"Yoga","date_time":{"start":"2026-06-03T10:00:00+02:00"}}]`,
		"/dr/indland":                         `<rss version="2.0"><channel><title>t</title><item><title>Nyhed</title><link>https://dr.dk/n</link></item></channel></rss>`,
		"/meteo":                              `{"current":{"temperature_2m":14.2,"precipitation":0,"cloud_cover":20}}`,
		"/winkas/Authentication/Authenticate": `{"WinKasData":{"CurrentToken":"t"}}`,
		"/winkas/Calendar/GetAllResources":    `{"Resources":[{"Id":11,"Name":"Sal","ResourceLocation":{"Id":1,"Name":"Huset","Address":"Vej 1"}}]}`,
		"/winkas/Calendar/GetAllResourceEventsInTimePeriod": `{"Resources":[{"Id":11,"ResourceCalendarbookings":[]}]}`,
		"/kmd/Monitor/GetFilteredAccessControlRecords":      `{"AccessControlRecords":{"OccasionRecords":[{"FacilityName":"Virumhallerne","PartOfObjectName":"Hal","ObjectName":"Hal","Activity":"A","CustomerName":"C","FomKlo":"12:00","TomKlo":"13:00"}]}}`,
	}
	for path := range answers {
		u.calls[path] = &itest.Counter{}
	}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/dr/") {
				fmt.Fprint(w, `<rss version="2.0"><channel><title>t</title></channel></rss>`)
				return
			}
			http.NotFound(w, r)
			return
		}
		u.calls[r.URL.Path].Inc()
		fmt.Fprint(w, body)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstreams) config(clock *testclock.Clock) integrations.Config {
	return integrations.Config{
		DDBBaseURLs: map[string]string{"København": u.srv.URL + "/ddb/kk"},
		DRFeedsURL:  u.srv.URL + "/dr",
		WeatherURL:  u.srv.URL + "/meteo",
		WinKASURL:   u.srv.URL + "/winkas",
		WinKAS:      integrations.WinKASCredentials{Username: "u", Password: "p", ContractCode: "c"},
		KMDURL:      u.srv.URL + "/kmd",
		KMDAPIKey:   "k",
		Timeout:     5 * time.Second,
		Now:         clock.Now,
	}
}

func serve(t *testing.T, cfg integrations.Config, clock *testclock.Clock) *itest.World {
	return itest.Serve(t, clock, func(app core.App) { integrations.Register(app, cfg) })
}

// Every route of docs/api.md, "Slide-type data sources", is served, with and
// without its trailing slash.
func TestRegisterServesEveryRoute(t *testing.T) {
	u := newUpstreams(t)
	clock := testclock.At(itest.Start)
	w := serve(t, u.config(clock), clock)
	key, alice := w.Key("aarhus"), w.Bearer(t, "alice")
	for _, tc := range []struct {
		method, path, query, body, header string
	}{
		{"GET", "/api/ddb/proxy/", "", "", ""},
		{"GET", "/api/ddb/options/", "", "", ""},
		{"GET", "/api/ddb/events/", "?kommune=K%C3%B8benhavn", "", ""},
		{"GET", "/api/rss/rss-to-json/", "", "", ""},
		{"GET", "/api/rss/weather/", "?location=Aarhus", "", ""},
		{"GET", "/api/rss/weather/locations/", "", "", ""},
		{"GET", "/api/speedadmin/", "?school_name=Musikskolen", "", alice},
		{"GET", "/api/speedadmin/schools/", "", "", alice},
		{"GET", "/api/winkas/locations/", "", "", key},
		{"GET", "/api/winkas/bookings/", "?location=1", "", key},
		{"POST", "/api/kmd/", "", `{"location":"Virumhallerne"}`, key},
		{"GET", "/api/kmd/locations/", "", "", key},
	} {
		for _, path := range []string{tc.path, strings.TrimSuffix(tc.path, "/")} {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			got := w.Do(t, tc.method, path+tc.query, body, tc.header)
			if got.Status != http.StatusOK || got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: %d %s", tc.method, path, got.Status, got.Body)
			}
		}
	}
	for path, n := range u.calls {
		if n.N() != 1 {
			t.Errorf("%s called %d times, want once (the second form is served from the cache)", path, n.N())
		}
	}
}

// Two server instances with the same Redis share one cache: what one
// fetched, the other serves, until it expires by the (injected) clock.
func TestRedisCacheIsSharedAcrossInstances(t *testing.T) {
	u := newUpstreams(t)
	clock := testclock.At(itest.Start)
	prefix := fmt.Sprintf("openstream:test:integrations:%d:", time.Now().UnixNano())
	cfg := u.config(clock)
	cfg.RedisURL = testenv.RedisURL(t)
	cfg.RedisPrefix = prefix
	t.Cleanup(func() { dropKeys(t, cfg.RedisURL, prefix) })

	a, b := serve(t, cfg, clock), serve(t, cfg, clock)
	weather := func(w *itest.World) {
		t.Helper()
		itest.Expect(t, w.Get(t, "/api/rss/weather/?location=Aarhus"), 200,
			`{"weather":{"temperature":14.2,"precipitationText":"","cloudCoverText":"⛅"}}`)
	}
	weather(a)
	weather(b)
	if n := u.calls["/meteo"].N(); n != 1 {
		t.Fatalf("%d forecast calls for two instances, want 1", n)
	}
	itest.Expect(t, a.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Virumhallerne"}`, a.Key("aarhus")), 200, "")
	itest.Expect(t, b.Do(t, http.MethodPost, "/api/kmd/", `{"location":"Virumhallerne"}`, b.Bearer(t, "sam")), 200, "")
	if n := u.calls["/kmd/Monitor/GetFilteredAccessControlRecords"].N(); n != 1 {
		t.Fatalf("%d KMD calls for two instances, want 1", n)
	}
	clock.Advance(10 * time.Minute)
	weather(b)
	if n := u.calls["/meteo"].N(); n != 2 {
		t.Fatalf("%d forecast calls after 10 minutes, want 2", n)
	}
}

func dropKeys(t *testing.T, url, prefix string) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	client := redis.NewClient(opts)
	defer client.Close()
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Error(err)
		return
	}
	if len(keys) == 0 {
		t.Error("nothing was stored in Redis")
		return
	}
	client.Del(ctx, keys...)
}
