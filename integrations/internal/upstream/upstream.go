// Package upstream is how the integration proxies call the outside world:
// every call has a deadline, answers are cached (failures only briefly),
// and concurrent requests for one key share a single upstream call.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/openstream-go/openstream/integrations/cache"
)

// maxBody bounds what is read from an upstream: a DDB kommune's event list
// is a few MB; more is a broken or hostile server.
const maxBody = 32 << 20

// Deps are the shared means of the proxies.
type Deps struct {
	Client *http.Client
	// Timeout bounds each outbound call, connection to last body byte.
	Timeout time.Duration
	Cache   cache.Cache
	// ErrorTTL is how long a failure is remembered, so a dead upstream is
	// not hammered yet recovers quickly.
	ErrorTTL time.Duration
	Now      func() time.Time
	// Log receives cache errors; the request still gets served.
	Log func(msg string, args ...any)

	group singleflight.Group
}

// Fetch produces a fresh value and how long to keep it (0: not at all).
type Fetch func(ctx context.Context) (value []byte, ttl time.Duration, err error)

// Cache entries start with a marker byte: a value or a JSON Failure.
const (
	markValue   = 'v'
	markFailure = 'f'
)

// Load returns the value cached under key or runs fetch. A failure comes
// back as *Failure and is cached for ErrorTTL. A cache that cannot be
// reached is logged and bypassed: the answer matters more than the cache.
func (d *Deps) Load(ctx context.Context, key string, fetch Fetch) ([]byte, error) {
	if v, ok := d.cached(ctx, key); ok {
		return decode(v)
	}
	v, err, _ := d.group.Do(key, func() (any, error) {
		// Callers share this call, so one caller leaving must not cancel
		// it; the timeout still bounds it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.Timeout)
		defer cancel()
		value, ttl, err := fetch(fctx)
		entry := append([]byte{markValue}, value...)
		if err != nil {
			f := AsFailure(err)
			raw, _ := json.Marshal(f)
			entry, ttl = append([]byte{markFailure}, raw...), d.ErrorTTL
		}
		if serr := d.Cache.Set(fctx, key, entry, ttl); serr != nil {
			d.Warn("integrations cache write failed", "key", key, "error", serr)
		}
		return entry, nil
	})
	if err != nil {
		return nil, err
	}
	return decode(v.([]byte))
}

func (d *Deps) cached(ctx context.Context, key string) ([]byte, bool) {
	v, ok, err := d.Cache.Get(ctx, key)
	if err != nil {
		d.Warn("integrations cache read failed", "key", key, "error", err)
		return nil, false
	}
	return v, ok && len(v) > 0
}

func decode(entry []byte) ([]byte, error) {
	if entry[0] == markFailure {
		f := &Failure{}
		if err := json.Unmarshal(entry[1:], f); err != nil {
			return nil, fmt.Errorf("corrupt cached failure: %w", err)
		}
		return nil, f
	}
	return entry[1:], nil
}

// Warn logs a problem that does not fail the request.
func (d *Deps) Warn(msg string, args ...any) {
	if d.Log != nil {
		d.Log(msg, args...)
	}
}

// Get fetches url and returns its body; ctx carries the deadline.
func (d *Deps) Get(ctx context.Context, url string, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &Failure{Msg: "bad upstream address"}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return d.do(req)
}

// PostJSON posts body as JSON to url and returns the answer's body.
func (d *Deps) PostJSON(ctx context.Context, url string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return nil, &Failure{Msg: "bad upstream address"}
	}
	req.Header.Set("Content-Type", "application/json")
	return d.do(req)
}

// do sends req; a status other than 2xx is a Failure with that status.
func (d *Deps) do(req *http.Request) ([]byte, error) {
	if _, ok := req.Context().Deadline(); !ok {
		ctx, cancel := context.WithTimeout(req.Context(), d.Timeout)
		defer cancel()
		req = req.WithContext(ctx)
	}
	resp, err := d.Client.Do(req)
	if err != nil {
		return nil, AsFailure(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, AsFailure(err)
	}
	if len(body) > maxBody {
		return nil, &Failure{Msg: "upstream answer too large"}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &Failure{Status: resp.StatusCode, Msg: fmt.Sprintf("upstream answered HTTP %d", resp.StatusCode)}
	}
	return body, nil
}
