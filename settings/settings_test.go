package settings

import (
	"reflect"
	"testing"
)

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, s Settings)
	}{
		{"defaults", nil, func(t *testing.T, s Settings) {
			if !s.Production || !reflect.DeepEqual(s.CORSOrigins, DefaultCORSOrigins) || s.FrontendHost != DefaultFrontendHost ||
				s.Email.Port != 587 || !s.Email.UseTLS || s.Email.From != DefaultFromEmail || s.TimeZone.String() != "Europe/Copenhagen" {
				t.Fatalf("%+v", s)
			}
		}},
		{"lists and trailing slashes", map[string]string{"CORS_ALLOWED_ORIGINS": " https://a.dk/, http://b:81 ,,", "FRONTEND_HOST": "https://cms.dk/"}, func(t *testing.T, s Settings) {
			if !reflect.DeepEqual(s.CORSOrigins, []string{"https://a.dk", "http://b:81"}) || s.FrontendHost != "https://cms.dk" {
				t.Fatalf("%+v", s)
			}
		}},
		{"mail", map[string]string{"EMAIL_HOST": "smtp", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "False", "EMAIL_HOST_USER": "u@x.dk"}, func(t *testing.T, s Settings) {
			if s.Email != (Email{Host: "smtp", Port: 2525, UseTLS: false, User: "u@x.dk", From: "u@x.dk"}) {
				t.Fatalf("%+v", s.Email)
			}
		}},
		{"bad port and time zone keep defaults", map[string]string{"EMAIL_PORT": "x", "TIME_ZONE": "Mars/Olympus"}, func(t *testing.T, s Settings) {
			if s.Email.Port != 587 || s.TimeZone.String() != "Europe/Copenhagen" {
				t.Fatalf("%+v", s)
			}
		}},
		{"screens", map[string]string{"SCREEN_ONLINE_WINDOW": "2m", "CREATE_SCREEN_RATE": "5"}, func(t *testing.T, s Settings) {
			if s.ScreenOnlineWindow.String() != "2m0s" || s.CreateScreenRate != 5 {
				t.Fatalf("%+v", s)
			}
		}},
		{"bad screen values keep defaults", map[string]string{"SCREEN_ONLINE_WINDOW": "soon", "CREATE_SCREEN_RATE": "-1"}, func(t *testing.T, s Settings) {
			if s.ScreenOnlineWindow != 0 || s.CreateScreenRate != DefaultCreateScreenRate {
				t.Fatalf("%+v", s)
			}
		}},
		{"development", map[string]string{"DJANGO_ENV": "development", "TIME_ZONE": "UTC"}, func(t *testing.T, s Settings) {
			if s.Production || s.TimeZone.String() != "UTC" {
				t.Fatalf("%+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, FromEnv(env(tt.env))) })
	}
}

// TestRedisPrefix: one Redis can hold several deployments, each under
// its own prefix, which always ends in ':' so the packages' names after
// it stay readable.
func TestRedisPrefix(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"", "openstream:"},
		{"   ", "openstream:"},
		{"staging:", "staging:"},
		{" aarhus-prod ", "aarhus-prod:"},
		{"kommune:openstream:", "kommune:openstream:"},
	} {
		got := RedisPrefix(func(k string) string {
			if k == "REDIS_PREFIX" {
				return tc.env
			}
			return ""
		})
		if got != tc.want {
			t.Errorf("REDIS_PREFIX=%q: %q, want %q", tc.env, got, tc.want)
		}
	}
	for deployment, want := range map[string]string{"": "openstream:delivery:", "aarhus:": "aarhus:delivery:"} {
		if got := RedisPrefixOf(deployment, "delivery:"); got != want {
			t.Errorf("RedisPrefixOf(%q): %q, want %q", deployment, got, want)
		}
	}
}

func TestResetLink(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{"", "https://openstream.dk/reset-password?token=a%2Bb"},
		{"https://cms.dk/reset/{token}", "https://cms.dk/reset/a%2Bb"},
		{"https://cms.dk/reset-password?lang=da&token=old", "https://cms.dk/reset-password?lang=da&token=a%2Bb"},
	}
	for _, tt := range tests {
		s := Default()
		s.PasswordResetURL = tt.tmpl
		if got := s.ResetLink("a+b"); got != tt.want {
			t.Errorf("ResetLink with %q = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}
