package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Environment variables of the request-log policy.
const (
	EnvLogRoutine = "OPENSTREAM_LOG_ROUTINE_REQUESTS" // "true": log screen polls and health checks too
	EnvLogSlow    = "OPENSTREAM_LOG_SLOW_REQUESTS"    // a routine request this slow is logged anyway
)

// DefaultSlowRequest is when a routine request is worth a log row after all.
const DefaultSlowRequest = time.Second

// RequestLog says which successful requests PocketBase's activity log
// keeps. Screens poll every few seconds and load balancers check health
// as often: one _logs row each filled auxiliary.db with nothing anyone
// reads (1 M polls, 354 MB) and slowed every start. Errors are always
// logged, and so is a routine request slower than Slow.
type RequestLog struct {
	Routine bool          // log routine requests as well
	Slow    time.Duration // log a routine request taking at least this long
}

// RequestLogFromEnv reads the policy; a value it cannot parse keeps the
// default and is returned as an error, for the caller to refuse.
func RequestLogFromEnv(getenv func(string) string) (RequestLog, error) {
	p := RequestLog{Slow: DefaultSlowRequest}
	var err error
	if v := strings.TrimSpace(getenv(EnvLogRoutine)); v != "" {
		if p.Routine, err = strconv.ParseBool(v); err != nil {
			return RequestLog{Slow: DefaultSlowRequest}, &envError{EnvLogRoutine, v, "true or false"}
		}
	}
	if v := strings.TrimSpace(getenv(EnvLogSlow)); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 {
			return RequestLog{Slow: DefaultSlowRequest, Routine: p.Routine}, &envError{EnvLogSlow, v, "a positive duration such as 500ms"}
		}
		p.Slow = d
	}
	return p, nil
}

type envError struct{ name, value, want string }

func (e *envError) Error() string {
	return e.name + "=" + strconv.Quote(e.value) + " is not " + e.want
}

// routinePaths are the requests screens and load balancers repeat all day.
var routinePaths = map[string]bool{
	"/api/health": true,
	"/api/display-website/get-active-content": true,
	"/api/branch/get-active-content":          true,
	"/api/branch/get-upcoming-content":        true,
	"/ws/screens":                             true,
}

// Skip tells whether a finished request stays out of the activity log.
func (p RequestLog) Skip(method, path string, status int, took time.Duration) bool {
	if p.Routine || method != http.MethodGet || status >= 400 || took >= p.Slow {
		return false
	}
	return routinePaths[strings.TrimSuffix(path, "/")]
}

// skipActivityLog is the request-store key PocketBase's activity logger
// reads after the handlers (the one apis.SkipSuccessActivityLog sets);
// TestRequestLogPolicy fails if PocketBase renames it.
const skipActivityLog = "__skipSuccessActivityLogger"

// RequestLogMiddlewareId names the middleware UseRequestLog binds.
const RequestLogMiddlewareId = "openstreamRequestLog"

// UseRequestLog applies the policy to every route: it runs inside
// PocketBase's activity logger, times the request and marks the routine
// successes the logger then leaves out.
func UseRequestLog(r *router.Router[*core.RequestEvent], p RequestLog) {
	if p.Routine {
		return
	}
	r.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       RequestLogMiddlewareId,
		Priority: apis.DefaultActivityLoggerMiddlewarePriority + 1,
		Func: func(e *core.RequestEvent) error {
			start := time.Now()
			err := e.Next()
			if err == nil && p.Skip(e.Request.Method, e.Request.URL.Path, e.Status(), time.Since(start)) {
				e.Set(skipActivityLog, true)
			}
			return err
		},
	})
}
