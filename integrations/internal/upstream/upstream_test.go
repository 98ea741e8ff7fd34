package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/openstream-go/openstream/integrations/cache"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newDeps(c cache.Cache, clk *clock) *upstream.Deps {
	return &upstream.Deps{Client: &http.Client{}, Timeout: time.Second, Cache: c, ErrorTTL: 30 * time.Second, Now: clk.now}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_000_000, 0)}
	d := newDeps(cache.NewMemory(clk.now), clk)
	calls := 0
	var result []byte
	var ttl time.Duration
	var fail error
	fetch := func(context.Context) ([]byte, time.Duration, error) {
		calls++
		return result, ttl, fail
	}
	load := func(key string) ([]byte, error) { return d.Load(ctx, key, fetch) }

	for _, tc := range []struct {
		name      string
		value     string
		ttl       time.Duration
		err       error
		advance   time.Duration
		wantCalls int
		wantErr   string
	}{
		{name: "fetched", value: "v1", ttl: time.Minute, wantCalls: 1},
		{name: "cached", value: "v2", ttl: time.Minute, advance: 59 * time.Second, wantCalls: 1},
		{name: "expired", value: "v3", ttl: time.Minute, advance: time.Second, wantCalls: 2},
		{name: "failure", err: errors.New("boom"), advance: time.Minute, wantCalls: 3, wantErr: "boom"},
		{name: "failure remembered", value: "v4", ttl: time.Minute, advance: 29 * time.Second, wantCalls: 3, wantErr: "boom"},
		{name: "failure forgotten", value: "v5", ttl: time.Minute, advance: time.Second, wantCalls: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			result, ttl, fail = []byte(tc.value), tc.ttl, tc.err
			clk.advance(tc.advance)
			got, err := load("k")
			if calls != tc.wantCalls {
				t.Fatalf("%d fetches, want %d", calls, tc.wantCalls)
			}
			if tc.wantErr != "" {
				var f *upstream.Failure
				if !errors.As(err, &f) || f.Msg != tc.wantErr {
					t.Fatalf("error %v, want Failure %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) == "" {
				t.Fatalf("%q %v", got, err)
			}
		})
	}

	// A ttl of 0 keeps nothing.
	result, ttl, fail = []byte("once"), 0, nil
	before := calls
	_, _ = load("nocache")
	_, _ = load("nocache")
	if calls != before+2 {
		t.Fatal("a ttl of 0 was cached")
	}
}

// brokenCache fails every call, like an unreachable Redis.
type brokenCache struct{}

func (brokenCache) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errors.New("down")
}
func (brokenCache) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("down")
}

func TestBrokenCacheIsBypassed(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	d := newDeps(brokenCache{}, clk)
	var logged []string
	d.Log = func(msg string, _ ...any) { logged = append(logged, msg) }
	got, err := d.Load(context.Background(), "k", func(context.Context) ([]byte, time.Duration, error) {
		return []byte("fresh"), time.Minute, nil
	})
	if err != nil || string(got) != "fresh" {
		t.Fatalf("%q %v", got, err)
	}
	if len(logged) != 2 {
		t.Fatalf("logged %v, want a read and a write failure", logged)
	}
}

// Concurrent requests for one key share one upstream call.
func TestConcurrentLoadsShareOneFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := &clock{t: time.Unix(0, 0)}
		d := newDeps(cache.NewMemory(clk.now), clk)
		release := make(chan struct{})
		var mu sync.Mutex
		calls := 0
		fetch := func(context.Context) ([]byte, time.Duration, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			<-release
			return []byte("v"), time.Minute, nil
		}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if got, err := d.Load(context.Background(), "k", fetch); err != nil || string(got) != "v" {
					t.Errorf("%q %v", got, err)
				}
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		if calls != 1 {
			t.Fatalf("%d fetches for 10 concurrent loads", calls)
		}
	})
}

func TestGet(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("X-Test") != "1" {
				http.Error(w, "header missing", 400)
				return
			}
			fmt.Fprint(w, "body")
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		case "/hang":
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(done)
	clk := &clock{}
	d := newDeps(cache.NewMemory(clk.now), clk)
	d.Timeout = 50 * time.Millisecond
	ctx := context.Background()

	if got, err := d.Get(ctx, srv.URL+"/ok", http.Header{"X-Test": {"1"}}); err != nil || string(got) != "body" {
		t.Fatalf("ok: %q %v", got, err)
	}
	_, err := d.Get(ctx, srv.URL+"/teapot", nil)
	if f := upstream.AsFailure(err); f.Status != http.StatusTeapot || f.Timeout || f.Msg != "upstream answered HTTP 418" {
		t.Fatalf("status: %+v", f)
	}
	_, err = d.Get(ctx, srv.URL+"/hang?authenticationCode=secret", nil)
	f := upstream.AsFailure(err)
	if !f.Timeout || strings.Contains(f.Msg, "secret") || strings.Contains(f.Msg, "127.0.0.1") {
		t.Fatalf("timeout: %+v", f)
	}
	_, err = d.Get(ctx, "http://127.0.0.1:1/?key=secret", nil)
	if f := upstream.AsFailure(err); f.Timeout || strings.Contains(f.Msg, "secret") || f.Msg == "" {
		t.Fatalf("refused: %+v", f)
	}
	if _, err := d.PostJSON(ctx, srv.URL+"/ok", map[string]string{"a": "b"}); err == nil {
		t.Fatal("POST without the header passed")
	}
}
