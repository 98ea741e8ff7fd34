package loginlimit

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// memory is the store of one process: per name, the attempts within the
// window, oldest first.
type memory struct {
	mu       sync.Mutex
	attempts map[string][]attempt
}

type attempt struct {
	at time.Time
	id string
}

func newMemory() *memory { return &memory{attempts: map[string][]attempt{}} }

func (m *memory) take(_ context.Context, now time.Time, window time.Duration, names []string, limits []int, id string) (time.Duration, error) {
	if len(names) != len(limits) {
		return 0, errLimits
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var wait time.Duration
	for i, name := range names {
		kept := m.attempts[name]
		for len(kept) > 0 && now.Sub(kept[0].at) >= window {
			kept = kept[1:]
		}
		m.attempts[name] = kept
		if n := len(kept); n >= limits[i] {
			// The attempt that must expire before one more is allowed.
			if w := kept[n-limits[i]].at.Add(window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		return wait, nil
	}
	for _, name := range names {
		m.attempts[name] = append(m.attempts[name], attempt{at: now, id: id})
	}
	m.prune(now, window)
	return 0, nil
}

func (m *memory) give(_ context.Context, names []string, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, name := range names {
		kept := m.attempts[name]
		for i, a := range kept {
			if a.id == id {
				m.attempts[name] = append(kept[:i:i], kept[i+1:]...)
				break
			}
		}
		if len(m.attempts[name]) == 0 {
			delete(m.attempts, name)
		}
	}
	return nil
}

// prune forgets names whose attempts have all expired, so attempts under
// ever new names cannot grow the map without bound. It runs when the map
// is large.
func (m *memory) prune(now time.Time, window time.Duration) {
	if len(m.attempts) < 4096 {
		return
	}
	for name, kept := range m.attempts {
		if len(kept) == 0 || now.Sub(kept[len(kept)-1].at) >= window {
			delete(m.attempts, name)
		}
	}
}

// redisStore keeps each name's attempts in a sorted set scored by the
// attempt's time (the limiter's clock, in milliseconds), checked and added
// to in one script, so instances racing on one name cannot both pass.
type redisStore struct {
	client *redis.Client
	prefix string
}

func newRedisStore(client *redis.Client, prefix string) *redisStore {
	return &redisStore{client: client, prefix: prefix}
}

// takeScript: KEYS are the names; ARGV is now and window in milliseconds,
// the attempt's id, then each name's limit. It answers 0 when the attempt
// was recorded, else the milliseconds to wait. The keys expire with their
// newest attempt, so idle names leave nothing behind.
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[3 + i])
  local n = redis.call('ZCARD', key)
  if n >= limit then
    local first = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
    local w = tonumber(first[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0
`)

func (r *redisStore) take(ctx context.Context, now time.Time, window time.Duration, names []string, limits []int, id string) (time.Duration, error) {
	if len(names) != len(limits) {
		return 0, errLimits
	}
	keys := make([]string, len(names))
	for i, name := range names {
		keys[i] = r.prefix + name
	}
	args := []any{now.UnixMilli(), window.Milliseconds(), id}
	for _, n := range limits {
		args = append(args, strconv.Itoa(n))
	}
	ms, err := takeScript.Run(ctx, r.client, keys, args...).Int64()
	if err != nil {
		return 0, err
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func (r *redisStore) give(ctx context.Context, names []string, id string) error {
	pipe := r.client.Pipeline()
	for _, name := range names {
		pipe.ZRem(ctx, r.prefix+name, id)
	}
	_, err := pipe.Exec(ctx)
	return err
}
