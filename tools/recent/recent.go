// Package recent remembers records for a short while: what a hot path
// looks up on every request (a screen's API key, its row), trusted until
// a change is announced (Forget) or for at most a maximum age, so that a
// change nobody announced still lands.
package recent

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Cache remembers records by key. Misses (load errors) are not kept, so
// unknown keys cannot fill memory.
type Cache struct {
	maxAge     time.Duration
	max        int
	now        func() time.Time
	generation atomic.Uint64
	mu         sync.RWMutex
	entries    map[string]entry
}

type entry struct {
	rec        *core.Record
	at         time.Time
	generation uint64
}

// New is a cache of at most max records, each trusted for maxAge on the
// clock now (time.Now when nil). Beyond max it starts again empty.
func New(maxAge time.Duration, max int, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{maxAge: maxAge, max: max, now: now, entries: map[string]entry{}}
}

// SetNow changes the clock (tests).
func (c *Cache) SetNow(now func() time.Time) {
	c.mu.Lock()
	c.now = now
	c.mu.Unlock()
}

// Get is key's record, remembered or from load. The generation is read
// before load, so a record read while a change commits is not kept past
// the change's Forget.
func (c *Cache) Get(key string, load func() (*core.Record, error)) (*core.Record, error) {
	gen := c.generation.Load()
	c.mu.RLock()
	now := c.now()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && e.generation == gen && now.Sub(e.at) < c.maxAge {
		return e.rec, nil
	}
	rec, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.generation.Load() == gen {
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
		c.entries[key] = entry{rec: rec, at: now, generation: gen}
	}
	c.mu.Unlock()
	return rec, nil
}

// Forget drops every remembered record, and any being loaded now.
func (c *Cache) Forget() {
	c.generation.Add(1)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
