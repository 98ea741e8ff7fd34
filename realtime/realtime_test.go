package realtime

import (
	"testing"
	"time"

	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/settings"
)

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want func(Config) bool
	}{
		{"defaults", nil, func(c Config) bool {
			return c.RedisURL == "" && c.RedisPrefix == "openstream:" && c.EventsAddr == ":3000" && c.PingInterval == 0 && c.EditorAuthTimeout == 0
		}},
		{"set", map[string]string{"REDIS_URL": "redis://r:6379/1", "OPENSTREAM_EVENTS_ADDR": "off",
			"SCREEN_PING_INTERVAL": "20s", "WS_AUTH_TIMEOUT": "2s"}, func(c Config) bool {
			return c.RedisURL == "redis://r:6379/1" && c.EventsAddr == "off" && c.PingInterval == 20*time.Second && c.EditorAuthTimeout == 2*time.Second
		}},
		{"the deployment's prefix", map[string]string{"REDIS_PREFIX": "staging"}, func(c Config) bool { return c.RedisPrefix == "staging:" }},
		{"unreadable durations keep the defaults", map[string]string{"SCREEN_PING_INTERVAL": "soon", "WS_AUTH_TIMEOUT": "-1s"}, func(c Config) bool {
			return c.PingInterval == 0 && c.EditorAuthTimeout == 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ConfigFromEnv(settings.Default(), func(k string) string { return tc.env[k] })
			if !tc.want(c) {
				t.Fatalf("%+v", c)
			}
		})
	}
}

func TestNewHub(t *testing.T) {
	if h, err := NewHub("", "", nil); err != nil {
		t.Fatal(err)
	} else if _, ok := h.(*hub.Local); !ok {
		t.Fatalf("no REDIS_URL: %T", h)
	}
	if _, err := NewHub("http://not-redis", "", nil); err == nil {
		t.Fatal("an unusable REDIS_URL was accepted")
	}
}
