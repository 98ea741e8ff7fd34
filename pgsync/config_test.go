package pgsync

import "testing"

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing set: off", nil, ""},
		{"DATABASE_URL wins", map[string]string{EnvURL: "postgres://u:p@h/d", EnvHost: "other"}, "postgres://u:p@h/d"},
		{"parts with upstream defaults", map[string]string{EnvHost: "pg.internal"}, "postgres://db:dbpassword@pg.internal:5432/db"},
		{"every part", map[string]string{EnvHost: "h", EnvPort: "6543", EnvName: "os", EnvUser: "me", EnvPassword: "p@ss/word"},
			"postgres://me:p%40ss%2Fword@h:6543/os"},
	}
	for _, tt := range tests {
		cfg := ConfigFromEnv(func(k string) string { return tt.env[k] })
		if cfg.URL != tt.want || cfg.Enabled() != (tt.want != "") {
			t.Errorf("%s: %q (enabled %v), want %q", tt.name, cfg.URL, cfg.Enabled(), tt.want)
		}
	}
	if r := (Config{URL: "postgres://me:secret@h/db"}).Redacted(); r != "postgres://me:xxxxx@h/db" {
		t.Errorf("Redacted() = %q", r)
	}
}
