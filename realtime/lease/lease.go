// Package lease elects one of the instances sharing a Redis to do a job
// that any of them could do and one is enough for: publishing the edges'
// state, working out an emergency's live numbers. Every instance doing it
// multiplied the work by the number of instances, in the middle of the
// fan-out that the change started.
//
// The holder renews its key every ttl/3; the others try to take it as
// often, so a holder that dies is replaced within ttl, and one that stops
// gives the key back at once. Without Redis, and while Redis cannot be
// reached, every instance holds the lease: a job done twice is better than
// one not done.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// takeOrRenew sets KEYS[1] to ARGV[1] for ARGV[2] ms when it is free or
// already ours; 1 when we hold it.
var takeOrRenew = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`)

// release deletes KEYS[1] if it is still ours.
var release = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Lease is this instance's side of one lease.
type Lease struct {
	client *redis.Client // nil: always held
	key    string
	id     string // this holder's value of the key
	ttl    time.Duration
	log    *slog.Logger

	held    atomic.Bool
	failing bool // the last attempt could not reach Redis (loop only)

	mu     sync.Mutex
	onGain []func()

	start sync.Once
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

// New returns the lease of key in client (nil: this process always holds
// it); Start takes part in the election.
func New(client *redis.Client, key string, ttl time.Duration, log *slog.Logger) *Lease {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	if log == nil {
		log = slog.Default()
	}
	return &Lease{client: client, key: key, id: hex.EncodeToString(b), ttl: ttl, log: log,
		stop: make(chan struct{}), done: make(chan struct{})}
}

// OnGain adds fn, called each time this instance becomes the holder (on
// the lease's goroutine): whoever held it before may have left the job
// half done.
func (l *Lease) OnGain(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onGain = append(l.onGain, fn)
}

// Held reports whether this instance holds the lease now.
func (l *Lease) Held() bool {
	return l.client == nil || l.held.Load()
}

// Start makes a first attempt at once, then one every ttl/3.
func (l *Lease) Start() {
	l.start.Do(func() {
		if l.client == nil {
			close(l.done)
			l.gained()
			return
		}
		l.attempt()
		go l.loop()
	})
}

func (l *Lease) loop() {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.attempt()
		}
	}
}

// attempt takes or renews the key; an unreachable Redis counts as held.
func (l *Lease) attempt() {
	ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
	defer cancel()
	n, err := takeOrRenew.Run(ctx, l.client, []string{l.key}, l.id, l.ttl.Milliseconds()).Int()
	if err != nil && !l.failing {
		l.log.Warn("lease: Redis not reachable; this instance does the job meanwhile", "lease", l.key, "error", err)
	}
	l.failing = err != nil
	now := err != nil || n == 1
	if was := l.held.Swap(now); now && !was {
		l.gained()
	}
}

func (l *Lease) gained() {
	l.mu.Lock()
	fns := append([]func(){}, l.onGain...)
	l.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Close stops taking part and gives the key back if this instance holds
// it, so another takes over at its next attempt rather than after ttl.
func (l *Lease) Close() {
	l.close.Do(func() {
		close(l.stop)
		l.start.Do(func() { close(l.done) }) // never started
		<-l.done
		if l.client != nil && l.held.Swap(false) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = release.Run(ctx, l.client, []string{l.key}, l.id).Err()
		}
	})
}
