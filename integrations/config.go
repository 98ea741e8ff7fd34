package integrations

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openstream-go/openstream/integrations/cache"
	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/settings"
)

// Environment variables read by ConfigFromEnv. The secrets keep upstream's
// names; every external address can be moved (tests point them at loopback
// servers).
const (
	EnvDDBBaseURLs        = "DDB_BASE_URLS"                // "Kommune=https://…/api/v1,…": overrides per kommune
	EnvDRFeedsURL         = "DR_FEEDS_URL"                 // base of the DR RSS feeds; "/<feed>" is appended
	EnvWeatherURL         = "WEATHER_API_URL"              // open-meteo's forecast endpoint
	EnvWinKASURL          = "WINKAS_API_URL"               // WinKAS API root ("/Authentication/…", "/Calendar/…")
	EnvWinKASUsername     = "WINKAS_USERNAME"              // WinKAS login
	EnvWinKASPassword     = "WINKAS_PW"                    // WinKAS password
	EnvWinKASContractCode = "WINKAS_CONTRACTCODE"          // WinKAS contract code
	EnvKMDURL             = "KMD_API_URL"                  // KMD booking API root ("/Monitor/…")
	EnvKMDAPIKey          = "KMD_API_KEY"                  // KMD authenticationCode
	EnvRedisURL           = "REDIS_URL"                    // shared cache; unset: in-process
	EnvRedisPrefix        = "INTEGRATIONS_REDIS_PREFIX"    // key prefix in that Redis (default REDIS_PREFIX + "integrations:")
	EnvTimeout            = "INTEGRATIONS_HTTP_TIMEOUT"    // per outbound call ("15s" or seconds)
	EnvErrorTTL           = "INTEGRATIONS_ERROR_CACHE_TTL" // how long failures are remembered
)

// redisName follows the deployment's REDIS_PREFIX in the caches' keys.
const redisName = "integrations:"

// Defaults for the settings the tables do not hold.
const (
	DefaultDRFeedsURL  = "https://www.dr.dk/nyheder/service/feeds"
	DefaultErrorTTL    = 30 * time.Second
	DefaultRedisPrefix = settings.DefaultRedisPrefix + redisName
)

// Config is what the integration proxies need from the environment.
type Config struct {
	// DDBBaseURLs replaces the base URL ("…/api/v1") of the named kommuner.
	DDBBaseURLs map[string]string
	DRFeedsURL  string
	WeatherURL  string
	WinKASURL   string
	WinKAS      WinKASCredentials
	KMDURL      string
	KMDAPIKey   string
	// RedisURL selects the shared cache; "" keeps it in-process.
	RedisURL string
	// RedisPrefix starts every key this package stores in Redis.
	RedisPrefix string
	// Timeout bounds each outbound call; ErrorTTL is how long a failed
	// call's answer is reused.
	Timeout  time.Duration
	ErrorTTL time.Duration

	// For tests: a ready cache (else RedisURL decides), the clock (nil:
	// time.Now) and the HTTP client (nil: a private one).
	Cache  cache.Cache
	Now    func() time.Time
	Client *http.Client

	// invalid collects settings ConfigFromEnv could not read; serving
	// fails with them rather than running on a guess.
	invalid []error
}

// WinKASCredentials are upstream's WINKAS_* settings.
type WinKASCredentials struct {
	Username, Password, ContractCode string
}

// ConfigFromEnv reads the settings through getenv (os.Getenv in the program).
func ConfigFromEnv(getenv func(string) string) Config {
	d := data.Load()
	c := Config{
		DRFeedsURL: orDefault(getenv(EnvDRFeedsURL), DefaultDRFeedsURL),
		WeatherURL: orDefault(getenv(EnvWeatherURL), d.WeatherURL),
		WinKASURL:  orDefault(getenv(EnvWinKASURL), d.WinKASURL),
		WinKAS: WinKASCredentials{
			Username:     getenv(EnvWinKASUsername),
			Password:     getenv(EnvWinKASPassword),
			ContractCode: getenv(EnvWinKASContractCode),
		},
		KMDURL:      orDefault(getenv(EnvKMDURL), d.KMDURL),
		KMDAPIKey:   getenv(EnvKMDAPIKey),
		RedisURL:    strings.TrimSpace(getenv(EnvRedisURL)),
		RedisPrefix: strings.TrimSpace(getenv(EnvRedisPrefix)),
	}
	if c.RedisPrefix == "" {
		// Under the deployment's REDIS_PREFIX unless named on its own.
		c.RedisPrefix = settings.RedisPrefix(getenv) + redisName
	}
	var err error
	if c.DDBBaseURLs, err = ParseDDBBaseURLs(getenv(EnvDDBBaseURLs)); err != nil {
		c.invalid = append(c.invalid, err)
	}
	if c.Timeout, err = duration(EnvTimeout, getenv(EnvTimeout), d.TTL.DDBTimeout); err != nil {
		c.invalid = append(c.invalid, err)
	}
	if c.ErrorTTL, err = duration(EnvErrorTTL, getenv(EnvErrorTTL), DefaultErrorTTL); err != nil {
		c.invalid = append(c.invalid, err)
	}
	return c
}

// ParseDDBBaseURLs reads "Kommune=URL" pairs separated by commas. Kommune
// names are the ones of the DDB table; unknown names are an error, so a
// typo does not silently leave the real CMS in use.
func ParseDDBBaseURLs(s string) (map[string]string, error) {
	out := map[string]string{}
	d := data.Load()
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, u, ok := strings.Cut(pair, "=")
		name, u = strings.TrimSpace(name), strings.TrimRight(strings.TrimSpace(u), "/")
		if !ok || u == "" {
			return nil, fmt.Errorf("%s: %q is not Kommune=URL", EnvDDBBaseURLs, pair)
		}
		if _, known := d.Kommune(name); !known {
			return nil, fmt.Errorf("%s: unknown kommune %q (known: %s)", EnvDDBBaseURLs, name, strings.Join(d.KommuneNames(), ", "))
		}
		out[name] = u
	}
	return out, nil
}

// duration reads a Go duration ("15s") or a number of seconds ("15").
func duration(name, s string, def time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return def, fmt.Errorf("%s: %q is not a positive duration", name, s)
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v != "" {
		return strings.TrimRight(v, "/")
	}
	return def
}

// withDefaults fills what a hand-built Config (tests, callers) left empty.
func (c Config) withDefaults() Config {
	d := data.Load()
	if c.DRFeedsURL == "" {
		c.DRFeedsURL = DefaultDRFeedsURL
	}
	if c.WeatherURL == "" {
		c.WeatherURL = d.WeatherURL
	}
	if c.WinKASURL == "" {
		c.WinKASURL = d.WinKASURL
	}
	if c.KMDURL == "" {
		c.KMDURL = d.KMDURL
	}
	if c.Timeout <= 0 {
		c.Timeout = d.TTL.DDBTimeout
	}
	if c.ErrorTTL <= 0 {
		c.ErrorTTL = DefaultErrorTTL
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = DefaultRedisPrefix
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Client == nil {
		c.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return c
}
