// Package loginlimit limits the attempts on every door that checks a
// password or sends a mail: failed sign-ins, wrong reset or verification
// tokens, and the mails themselves are counted per account and per client
// address within a sliding window (docs/api.md, "Sign-in limits"). The
// counts live in Redis when REDIS_URL is set, so every instance sees the
// attempts made on the others, and in this process otherwise.
//
// An attempt is counted before the password is checked, so parallel
// requests cannot get past the limit, and given back when it succeeds: a
// correct password does not use up the allowance, failures and mails do.
package loginlimit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/settings"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvWindow     = "LOGIN_LIMIT_WINDOW"
	EnvPerAccount = "LOGIN_LIMIT_PER_ACCOUNT"
	EnvPerAddress = "LOGIN_LIMIT_PER_ADDRESS"
	EnvRedisURL   = "REDIS_URL"
)

// Defaults: ten failures per account and thirty per client address (a town
// hall's staff may share one address) within fifteen minutes.
const (
	DefaultWindow     = 15 * time.Minute
	DefaultPerAccount = 10
	DefaultPerAddress = 30
)

// redisName follows the deployment's Redis prefix in every key the
// limiter stores ("openstream:login-limit:" by default).
const redisName = "login-limit:"

// redisTimeout bounds one call to Redis; beyond it the attempt is counted
// in this process instead, so a hanging Redis cannot hang sign-ins.
const redisTimeout = 2 * time.Second

// Config is the limits and where they are counted.
type Config struct {
	// Window is how long an attempt counts.
	Window time.Duration
	// PerAccount and PerAddress are the attempts allowed within Window per
	// account and per client address; 0 switches the limit off.
	PerAccount int
	PerAddress int
	// RedisURL shares the counts between instances; "" keeps them here.
	RedisURL string
	// RedisPrefix is the deployment's (REDIS_PREFIX; "" is
	// settings.DefaultRedisPrefix).
	RedisPrefix string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger hears when Redis goes away and comes back (nil: slog.Default;
	// Register switches to the app's logger when it serves).
	Logger *slog.Logger
}

// ConfigFromEnv reads LOGIN_LIMIT_WINDOW (a Go duration or seconds),
// LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_ADDRESS, REDIS_URL and
// REDIS_PREFIX. An unreadable or negative value keeps its default, as the
// other variables do.
func ConfigFromEnv(getenv func(string) string) Config {
	cfg := Config{Window: DefaultWindow, PerAccount: DefaultPerAccount, PerAddress: DefaultPerAddress, RedisURL: getenv(EnvRedisURL),
		RedisPrefix: settings.RedisPrefix(getenv)}
	if d, ok := parseWindow(getenv(EnvWindow)); ok {
		cfg.Window = d
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv(EnvPerAccount))); err == nil && n >= 0 {
		cfg.PerAccount = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv(EnvPerAddress))); err == nil && n >= 0 {
		cfg.PerAddress = n
	}
	return cfg
}

func parseWindow(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, true
	}
	if d, err := time.ParseDuration(v); err == nil && d >= time.Second {
		return d, true
	}
	return 0, false
}

// Limiter counts attempts. A nil *Limiter allows everything, so handlers
// need no check of their own when no limits are configured.
type Limiter struct {
	cfg    Config
	shared store   // Redis, or nil
	local  *memory // always there: the store without Redis, and while Redis is away
	log    atomic.Pointer[slog.Logger]
	// away is set while Redis does not answer (logged once per outage).
	away atomic.Bool
}

// New returns a limiter counting in Redis when cfg.RedisURL is set, in
// this process otherwise. An unparsable RedisURL is an error; an
// unreachable Redis is not (attempts are counted here until it is back).
func New(cfg Config) (*Limiter, error) {
	var shared store
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, err
		}
		shared = newRedisStore(redis.NewClient(opts), settings.RedisPrefixOf(cfg.RedisPrefix, redisName))
	}
	return newLimiter(cfg, shared), nil
}

// NewWithRedis returns a limiter counting in client under prefix (tests
// give each run a prefix of its own).
func NewWithRedis(cfg Config, client *redis.Client, prefix string) *Limiter {
	return newLimiter(cfg, newRedisStore(client, prefix))
}

func newLimiter(cfg Config, shared store) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Limiter{cfg: cfg, shared: shared, local: newMemory()}
	l.log.Store(cfg.Logger)
	return l
}

// Config is the limiter's configuration.
func (l *Limiter) Config() Config { return l.cfg }

// Close releases the Redis connection.
func (l *Limiter) Close() error {
	if l == nil {
		return nil
	}
	if r, ok := l.shared.(*redisStore); ok {
		return r.client.Close()
	}
	return nil
}

// Key is what attempts are counted by: an account or a client address.
type Key struct {
	kind string
	id   string
}

// Account is the key of an account: a user's collection and id when the
// identity names one, else the identity itself (so guessing at unknown
// names is limited alike).
func Account(id string) Key { return Key{kind: "account", id: id} }

// Address is the key of a client address. IPv6 addresses count by their
// /64, which one client usually holds whole.
func Address(ip string) Key {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			ip = p.String()
		}
	}
	return Key{kind: "address", id: ip}
}

func (l *Limiter) limit(k Key) int {
	if k.kind == "account" {
		return l.cfg.PerAccount
	}
	return l.cfg.PerAddress
}

// name is the key's name in a store: its kind and a hash of its id, so no
// address or e-mail is stored as it is and every name has one length.
func (k Key) name() string {
	sum := sha256.Sum256([]byte(k.id))
	return k.kind + ":" + hex.EncodeToString(sum[:16])
}

// Throttled is the refusal of an attempt over a limit.
type Throttled struct {
	// Wait is how long until the attempt would be allowed.
	Wait time.Duration
}

func (t *Throttled) Error() string {
	return fmt.Sprintf("too many attempts: try again in %d seconds", t.Seconds())
}

// Seconds is Wait in whole seconds, rounded up, at least 1 (Retry-After).
func (t *Throttled) Seconds() int {
	s := int(math.Ceil(t.Wait.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// Attempt is one counted attempt.
type Attempt struct {
	st    store
	names []string
	id    string
}

// Begin counts one attempt on every key whose limit is on, or returns a
// *Throttled when any of them has reached its limit within the window
// (then nothing is counted). Blank keys are skipped.
func (l *Limiter) Begin(ctx context.Context, keys ...Key) (*Attempt, error) {
	if l == nil {
		return nil, nil
	}
	var names []string
	var limits []int
	for _, k := range keys {
		if n := l.limit(k); n > 0 && k.id != "" {
			names = append(names, k.name())
			limits = append(limits, n)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	a := &Attempt{names: names, id: newID()}
	now := l.cfg.Now()
	var wait time.Duration
	a.st = l.local
	if l.shared != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
		w, err := l.shared.take(rctx, now, l.cfg.Window, names, limits, a.id)
		cancel()
		if err == nil {
			l.back()
			a.st, wait = l.shared, w
		} else {
			l.lost(err)
		}
	}
	if a.st == l.local {
		wait, _ = l.local.take(ctx, now, l.cfg.Window, names, limits, a.id)
	}
	if wait > 0 {
		return nil, &Throttled{Wait: wait}
	}
	return a, nil
}

// Succeeded gives the attempt back: the password or token was right.
// Failures and mails keep theirs until the window passes.
func (a *Attempt) Succeeded(ctx context.Context) {
	if a == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	_ = a.st.give(rctx, a.names, a.id) // an attempt not given back only expires sooner or later
}

func (l *Limiter) lost(err error) {
	if !l.away.Swap(true) {
		l.log.Load().Warn("login limits: Redis not reachable, counting attempts in this process until it is back", "error", err)
	}
}

func (l *Limiter) back() {
	if l.away.Swap(false) {
		l.log.Load().Info("login limits: Redis is back, counting attempts there again")
	}
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// store counts attempts under names.
type store interface {
	// take records attempt id at now under every name, unless a name
	// already holds its limit of attempts younger than window; then it
	// records nothing and answers how long until every name is below its
	// limit.
	take(ctx context.Context, now time.Time, window time.Duration, names []string, limits []int, id string) (time.Duration, error)
	// give removes attempt id from names.
	give(ctx context.Context, names []string, id string) error
}

var errLimits = errors.New("loginlimit: one limit per name")
