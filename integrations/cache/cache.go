// Package cache is the small key-value store the integration proxies keep
// upstream answers in: in-process for a single server, Redis when several
// instances must share one cache (upstream's per-process cache made every
// gunicorn worker fetch on its own).
package cache

import (
	"context"
	"encoding/binary"
	"time"
)

// Cache stores opaque values until they expire. Expiry follows the clock the
// cache was built with, so tests move time instead of sleeping.
type Cache interface {
	// Get returns the live value under key; ok is false on a miss.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value under key for ttl; a ttl <= 0 stores nothing.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Clock is the time source; nil means time.Now.
type Clock func() time.Time

func (c Clock) now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// seal prefixes value with its expiry (Unix nanoseconds), so that a shared
// store can be read against the injected clock rather than its own.
func seal(value []byte, expires time.Time) []byte {
	out := make([]byte, 8, 8+len(value))
	binary.BigEndian.PutUint64(out, uint64(expires.UnixNano()))
	return append(out, value...)
}

// open returns the value of a sealed entry that is still live at now.
func open(sealed []byte, now time.Time) ([]byte, bool) {
	if len(sealed) < 8 {
		return nil, false
	}
	expires := int64(binary.BigEndian.Uint64(sealed[:8]))
	if now.UnixNano() >= expires {
		return nil, false
	}
	return sealed[8:], true
}
