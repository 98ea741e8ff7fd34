package rest

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

func TestRequestLogSkip(t *testing.T) {
	quiet := RequestLog{Slow: time.Second}
	tests := []struct {
		name   string
		policy RequestLog
		method string
		path   string
		status int
		took   time.Duration
		skip   bool
	}{
		{"a screen poll", quiet, "GET", "/api/display-website/get-active-content", 200, time.Millisecond, true},
		{"a screen poll, slashed", quiet, "GET", "/api/display-website/get-active-content/", 200, time.Millisecond, true},
		{"a health check", quiet, "GET", "/api/health", 200, 0, true},
		{"a branch player", quiet, "GET", "/api/branch/get-active-content/", 200, time.Millisecond, true},
		{"upcoming content", quiet, "GET", "/api/branch/get-upcoming-content/", 200, time.Millisecond, true},
		{"a screen socket", quiet, "GET", "/ws/screens/", 101, time.Hour / 2, false}, // longer than Slow: kept
		{"a short screen socket", quiet, "GET", "/ws/screens/", 101, time.Millisecond, true},
		{"a failed poll", quiet, "GET", "/api/display-website/get-active-content", 403, time.Millisecond, false},
		{"a slow poll", quiet, "GET", "/api/display-website/get-active-content", 200, 2 * time.Second, false},
		{"an edit", quiet, "PATCH", "/api/manage_content/1/", 200, time.Millisecond, false},
		{"a POST to a routine path", quiet, "POST", "/api/health", 405, time.Millisecond, false},
		{"another page", quiet, "GET", "/api/user/info/", 200, time.Millisecond, false},
		{"a prefix is not the path", quiet, "GET", "/api/healthz", 200, time.Millisecond, false},
		{"routine logging on", RequestLog{Routine: true, Slow: time.Second}, "GET", "/api/health", 200, 0, false},
	}
	for _, tt := range tests {
		if got := tt.policy.Skip(tt.method, tt.path, tt.status, tt.took); got != tt.skip {
			t.Errorf("%s: Skip = %v, want %v", tt.name, got, tt.skip)
		}
	}
}

func TestRequestLogFromEnv(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    RequestLog
		wantErr bool
	}{
		{nil, RequestLog{Slow: time.Second}, false},
		{map[string]string{EnvLogRoutine: "true", EnvLogSlow: "250ms"}, RequestLog{Routine: true, Slow: 250 * time.Millisecond}, false},
		{map[string]string{EnvLogRoutine: "yes"}, RequestLog{Slow: time.Second}, true},
		{map[string]string{EnvLogSlow: "soon"}, RequestLog{Slow: time.Second}, true},
		{map[string]string{EnvLogSlow: "-1s"}, RequestLog{Slow: time.Second}, true},
	}
	for _, tt := range tests {
		got, err := RequestLogFromEnv(func(k string) string { return tt.env[k] })
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%v: got %+v, %v", tt.env, got, err)
		}
	}
}

// The key UseRequestLog sets is the one PocketBase's own skip middleware
// sets and its activity logger reads.
func TestRequestLogUsesPocketBasesKey(t *testing.T) {
	e := &core.RequestEvent{}
	e.Request, _ = http.NewRequest(http.MethodGet, "/", nil)
	if err := apis.SkipSuccessActivityLog().Func(e); err != nil {
		t.Fatal(err)
	}
	if e.Get(skipActivityLog) != true {
		t.Fatalf("PocketBase no longer marks skipped requests with %q", skipActivityLog)
	}
}
