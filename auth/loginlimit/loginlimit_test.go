package loginlimit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/auth/loginlimit"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/internal/testenv"
)

// clock is a time the test moves by hand.
func newClock() *testclock.Clock { return testclock.At(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// instances are two limiters standing for two instances of one deployment:
// in Redis, each with its own connection and one prefix; in memory, one
// limiter (an instance's own counts).
func instances(t *testing.T, backend string, cfg loginlimit.Config) [2]*loginlimit.Limiter {
	t.Helper()
	cfg.Logger = quiet
	if backend == "memory" {
		l, err := loginlimit.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return [2]*loginlimit.Limiter{l, l}
	}
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := "openstream-test-" + rand.Text() + ":"
	var ls [2]*loginlimit.Limiter
	for i := range ls {
		client := redis.NewClient(opts)
		ls[i] = loginlimit.NewWithRedis(cfg, client, prefix)
		t.Cleanup(func() { _ = ls[i].Close() })
	}
	return ls
}

// begin is an attempt on l; it answers the wait when throttled.
func begin(t *testing.T, l *loginlimit.Limiter, keys ...loginlimit.Key) (*loginlimit.Attempt, time.Duration) {
	t.Helper()
	a, err := l.Begin(context.Background(), keys...)
	var th *loginlimit.Throttled
	switch {
	case errors.As(err, &th):
		return nil, th.Wait
	case err != nil:
		t.Fatal(err)
	}
	return a, 0
}

var backends = []string{"memory", "redis"}

// TestLimits is the limiter's contract, the same in process and in Redis,
// where attempts made on one instance count on the other.
func TestLimits(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			ls := instances(t, backend, loginlimit.Config{Window: 10 * time.Minute, PerAccount: 3, PerAddress: 5, Now: c.Now})
			alice, bob := loginlimit.Account("users:1"), loginlimit.Account("users:2")
			here := loginlimit.Address("192.0.2.7")

			// Three failures of alice's, spread over two minutes and both
			// instances, then a fourth is refused on either.
			for i := range 3 {
				if _, wait := begin(t, ls[i%2], here, alice); wait != 0 {
					t.Fatalf("attempt %d refused (wait %v)", i+1, wait)
				}
				c.Advance(time.Minute)
			}
			for i, l := range ls {
				if _, wait := begin(t, l, here, alice); wait != 7*time.Minute {
					t.Fatalf("instance %d: fourth attempt waits %v, want 7m (until the first is 10m old)", i, wait)
				}
			}
			// The address has room for two more, for another account.
			for range 2 {
				if _, wait := begin(t, ls[1], here, bob); wait != 0 {
					t.Fatalf("bob refused: %v", wait)
				}
			}
			if _, wait := begin(t, ls[0], here, bob); wait != 7*time.Minute {
				t.Fatalf("sixth attempt of the address waits %v, want 7m", wait)
			}
			// Another address may still try bob, not alice.
			there := loginlimit.Address("198.51.100.1")
			if _, wait := begin(t, ls[0], there, bob); wait != 0 {
				t.Fatalf("bob from elsewhere refused: %v", wait)
			}
			if _, wait := begin(t, ls[0], there, alice); wait != 7*time.Minute {
				t.Fatalf("alice from elsewhere waits %v", wait)
			}

			// When the first attempt is a window old, one more is allowed,
			// and then the next waits for the second one.
			c.Advance(7 * time.Minute)
			a, wait := begin(t, ls[1], there, alice)
			if wait != 0 {
				t.Fatalf("after the window: refused (%v)", wait)
			}
			// A success is given back: it does not use up the allowance.
			a.Succeeded(context.Background())
			if _, wait := begin(t, ls[0], there, alice); wait != 0 {
				t.Fatalf("after a success: refused (%v)", wait)
			}
			if _, wait := begin(t, ls[1], there, alice); wait != time.Minute {
				t.Fatalf("then waits %v, want 1m (the second attempt's age)", wait)
			}
		})
	}
}

// TestSuccessesDoNotCount: a user who signs in right every time is never
// limited.
func TestSuccessesDoNotCount(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ls := instances(t, backend, loginlimit.Config{PerAccount: 2, PerAddress: 2, Now: newClock().Now})
			for i := range 10 {
				a, wait := begin(t, ls[i%2], loginlimit.Address("192.0.2.1"), loginlimit.Account("users:1"))
				if wait != 0 {
					t.Fatalf("success %d refused", i)
				}
				a.Succeeded(context.Background())
			}
		})
	}
}

// TestParallelAttempts: attempts racing on two instances are checked and
// counted at once, so no more than the limit get through.
func TestParallelAttempts(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ls := instances(t, backend, loginlimit.Config{PerAccount: 10, PerAddress: 100, Now: newClock().Now})
			var allowed atomic.Int32
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Go(func() {
					a, err := ls[i%2].Begin(context.Background(), loginlimit.Address("192.0.2.1"), loginlimit.Account("users:1"))
					if err == nil && a != nil {
						allowed.Add(1)
					}
				})
			}
			wg.Wait()
			if n := allowed.Load(); n != 10 {
				t.Fatalf("%d parallel attempts got through, want 10", n)
			}
		})
	}
}

func TestLimitsOff(t *testing.T) {
	var none *loginlimit.Limiter
	if a, err := none.Begin(context.Background(), loginlimit.Address("192.0.2.1")); a != nil || err != nil {
		t.Fatalf("nil limiter: %v %v", a, err)
	}
	var nothing *loginlimit.Attempt
	nothing.Succeeded(context.Background())

	l, err := loginlimit.New(loginlimit.Config{PerAccount: 0, PerAddress: 1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, wait := begin(t, l, loginlimit.Account("users:1"), loginlimit.Address("")); wait != 0 {
			t.Fatalf("attempt %d limited with the account limit off and no address", i)
		}
	}
}

// TestRedisAway: while Redis does not answer, attempts are counted in
// the process, so sign-ins go on and stay limited.
func TestRedisAway(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	l := loginlimit.NewWithRedis(loginlimit.Config{PerAccount: 2, PerAddress: 10, Logger: quiet}, client, "x:")
	t.Cleanup(func() { _ = l.Close() })
	for i := range 2 {
		if _, wait := begin(t, l, loginlimit.Account("users:1")); wait != 0 {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if _, wait := begin(t, l, loginlimit.Account("users:1")); wait <= 0 {
		t.Fatal("third attempt allowed while Redis is away")
	}
}

func TestBadRedisURL(t *testing.T) {
	if _, err := loginlimit.New(loginlimit.Config{RedisURL: "http://nope"}); err == nil {
		t.Fatal("an unparsable REDIS_URL was accepted")
	}
}

// TestAddresses: IPv6 clients count by their /64.
func TestAddresses(t *testing.T) {
	l, _ := loginlimit.New(loginlimit.Config{PerAddress: 1, Logger: quiet})
	if _, wait := begin(t, l, loginlimit.Address("2001:db8:1:2::1")); wait != 0 {
		t.Fatal("first refused")
	}
	if _, wait := begin(t, l, loginlimit.Address("2001:db8:1:2:ffff::9")); wait == 0 {
		t.Fatal("another address of the same /64 is not limited")
	}
	for _, other := range []string{"2001:db8:1:3::1", "192.0.2.1", "::ffff:192.0.2.2"} {
		if _, wait := begin(t, l, loginlimit.Address(other)); wait != 0 {
			t.Fatalf("%s shares a count it should not", other)
		}
	}
}

func TestThrottledSeconds(t *testing.T) {
	for wait, want := range map[time.Duration]int{time.Millisecond: 1, time.Second: 1, 1500 * time.Millisecond: 2, 15 * time.Minute: 900} {
		if got := (&loginlimit.Throttled{Wait: wait}).Seconds(); got != want {
			t.Errorf("%v: %d seconds, want %d", wait, got, want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg := loginlimit.ConfigFromEnv(env(nil))
	if cfg.Window != 15*time.Minute || cfg.PerAccount != 10 || cfg.PerAddress != 30 || cfg.RedisURL != "" || cfg.RedisPrefix != "openstream:" {
		t.Fatalf("defaults %+v", cfg)
	}
	cfg = loginlimit.ConfigFromEnv(env(map[string]string{"LOGIN_LIMIT_WINDOW": "90", "LOGIN_LIMIT_PER_ACCOUNT": "0",
		"LOGIN_LIMIT_PER_ADDRESS": "7", "REDIS_URL": "redis://r:6379/0", "REDIS_PREFIX": "staging:"}))
	if cfg.Window != 90*time.Second || cfg.PerAccount != 0 || cfg.PerAddress != 7 || cfg.RedisURL != "redis://r:6379/0" || cfg.RedisPrefix != "staging:" {
		t.Fatalf("set %+v", cfg)
	}
	cfg = loginlimit.ConfigFromEnv(env(map[string]string{"LOGIN_LIMIT_WINDOW": "1h30m", "LOGIN_LIMIT_PER_ACCOUNT": "-1", "LOGIN_LIMIT_PER_ADDRESS": "many"}))
	if cfg.Window != 90*time.Minute || cfg.PerAccount != 10 || cfg.PerAddress != 30 {
		t.Fatalf("bad values keep defaults: %+v", cfg)
	}
	if cfg := loginlimit.ConfigFromEnv(env(map[string]string{"LOGIN_LIMIT_WINDOW": "soon"})); cfg.Window != 15*time.Minute {
		t.Fatalf("unreadable window: %v", cfg.Window)
	}
}
