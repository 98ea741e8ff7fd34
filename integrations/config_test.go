package integrations_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/integrations"
	"github.com/openstream-go/openstream/internal/testapp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	c := integrations.ConfigFromEnv(env(nil))
	if c.DRFeedsURL != "https://www.dr.dk/nyheder/service/feeds" || c.WeatherURL != "https://api.open-meteo.com/v1/forecast" ||
		c.WinKASURL != "https://air.winkas.net/api" || c.KMDURL != "https://booking-ltk.kmd.dk/kmd_webapi/api" ||
		c.Timeout != 15*time.Second || c.ErrorTTL != 30*time.Second || c.RedisURL != "" || len(c.DDBBaseURLs) != 0 ||
		c.KMDAPIKey != "" || c.WinKAS != (integrations.WinKASCredentials{}) || c.RedisPrefix != "openstream:integrations:" {
		t.Fatalf("defaults %+v", c)
	}
	// The caches live under the deployment's prefix unless named apart.
	if c := integrations.ConfigFromEnv(env(map[string]string{"REDIS_PREFIX": "aarhus"})); c.RedisPrefix != "aarhus:integrations:" {
		t.Fatalf("under REDIS_PREFIX: %q", c.RedisPrefix)
	}

	c = integrations.ConfigFromEnv(env(map[string]string{
		"DDB_BASE_URLS":                " København = http://127.0.0.1:9/kk/ , Aalborg=http://127.0.0.1:9/aal,",
		"DR_FEEDS_URL":                 "http://127.0.0.1:9/dr/",
		"WEATHER_API_URL":              "http://127.0.0.1:9/meteo",
		"WINKAS_API_URL":               "http://127.0.0.1:9/winkas",
		"WINKAS_USERNAME":              "u",
		"WINKAS_PW":                    "p",
		"WINKAS_CONTRACTCODE":          "c",
		"KMD_API_URL":                  "http://127.0.0.1:9/kmd",
		"KMD_API_KEY":                  "k",
		"REDIS_URL":                    " redis://127.0.0.1:6379/1 ",
		"INTEGRATIONS_REDIS_PREFIX":    "staging:",
		"INTEGRATIONS_HTTP_TIMEOUT":    "2.5",
		"INTEGRATIONS_ERROR_CACHE_TTL": "1m",
	}))
	if c.DDBBaseURLs["København"] != "http://127.0.0.1:9/kk" || c.DDBBaseURLs["Aalborg"] != "http://127.0.0.1:9/aal" || len(c.DDBBaseURLs) != 2 ||
		c.DRFeedsURL != "http://127.0.0.1:9/dr" || c.WeatherURL != "http://127.0.0.1:9/meteo" || c.WinKASURL != "http://127.0.0.1:9/winkas" ||
		c.WinKAS != (integrations.WinKASCredentials{Username: "u", Password: "p", ContractCode: "c"}) ||
		c.KMDURL != "http://127.0.0.1:9/kmd" || c.KMDAPIKey != "k" || c.RedisURL != "redis://127.0.0.1:6379/1" || c.RedisPrefix != "staging:" ||
		c.Timeout != 2500*time.Millisecond || c.ErrorTTL != time.Minute {
		t.Fatalf("overrides %+v", c)
	}
}

func TestParseDDBBaseURLs(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"", ""},
		{"Brøndby=http://x", ""},
		{"Odense=http://x", `unknown kommune "Odense"`},
		{"København", `"København" is not Kommune=URL`},
		{"København=", `"København=" is not Kommune=URL`},
	} {
		_, err := integrations.ParseDDBBaseURLs(tc.in)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
}

// A setting that cannot be read stops the server with the reason rather
// than running on a guess.
func TestInvalidSettingsStopServing(t *testing.T) {
	for name, bad := range map[string]map[string]string{
		"INTEGRATIONS_HTTP_TIMEOUT":    {"INTEGRATIONS_HTTP_TIMEOUT": "soon"},
		"INTEGRATIONS_ERROR_CACHE_TTL": {"INTEGRATIONS_ERROR_CACHE_TTL": "-5"},
		"DDB_BASE_URLS":                {"DDB_BASE_URLS": "Atlantis=http://x"},
		"REDIS_URL":                    {"REDIS_URL": "mysql://nope"},
	} {
		t.Run(name, func(t *testing.T) {
			app := testapp.New(t)
			integrations.Register(app, integrations.ConfigFromEnv(env(bad)))
			router, err := apis.NewRouter(app)
			if err != nil {
				t.Fatal(err)
			}
			err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(*core.ServeEvent) error { return nil })
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("serve error %v, want one naming %s", err, name)
			}
		})
	}
}
