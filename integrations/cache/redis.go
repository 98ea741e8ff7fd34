package cache

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Cache shared by every instance that uses the same server and
// prefix.
type Redis struct {
	client *redis.Client
	prefix string
	clock  Clock
}

// NewRedis stores entries under prefix+key. Each entry carries its expiry by
// clock (nil: time.Now); Redis's own expiry is set too, so nothing lingers.
func NewRedis(client *redis.Client, prefix string, clock Clock) *Redis {
	return &Redis{client: client, prefix: prefix, clock: clock}
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	sealed, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	value, ok := open(sealed, r.clock.now())
	return value, ok, nil
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	return r.client.Set(ctx, r.prefix+key, seal(value, r.clock.now().Add(ttl)), ttl).Err()
}
