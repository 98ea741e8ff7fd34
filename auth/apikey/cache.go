package apikey

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/openstream-go/openstream/collections"
)

// DefaultCacheAge bounds how long a remembered key is trusted without a
// change notice. Changes made through this process or announced by another
// instance (Forget) take effect at once; a change that nobody announced (a
// command-line rotation on an installation without REDIS_URL) within this.
const DefaultCacheAge = 2 * time.Second

// maxCached bounds the memory of the cache; every branch has one key, so
// only an installation with more branches than this ever looks up again.
const maxCached = 100_000

const cacheStoreKey = "openstream.apikey.cache"

// keyCache remembers the active keys Resolve found. Screens send their key
// with every poll and every socket, and the lookup was half of a poll's
// cost. Misses are not kept, so unknown keys cannot fill memory.
type keyCache struct {
	maxAge     time.Duration
	now        func() time.Time
	generation atomic.Uint64
	mu         sync.RWMutex
	entries    map[string]cachedKey
}

type cachedKey struct {
	rec        *core.Record
	at         time.Time
	generation uint64
}

// EnableCache makes Resolve on app remember active keys for up to maxAge
// (DefaultCacheAge when 0); now is the clock (time.Now when nil). Any saved
// or deleted key forgets them all, before the hooks that tell screens run.
func EnableCache(app core.App, maxAge time.Duration, now func() time.Time) {
	if maxAge <= 0 {
		maxAge = DefaultCacheAge
	}
	if now == nil {
		now = time.Now
	}
	c := &keyCache{maxAge: maxAge, now: now, entries: map[string]cachedKey{}}
	app.Store().Set(cacheStoreKey, c)
	for _, h := range []*hook.TaggedHook[*core.ModelEvent]{
		app.OnModelAfterCreateSuccess(collections.BranchAPIKeys),
		app.OnModelAfterUpdateSuccess(collections.BranchAPIKeys),
		app.OnModelAfterDeleteSuccess(collections.BranchAPIKeys),
	} {
		// Before the realtime layer's handlers, which close the sockets
		// of a key that stopped working by resolving it again.
		h.Bind(&hook.Handler[*core.ModelEvent]{Priority: -1000, Func: func(e *core.ModelEvent) error {
			c.forget()
			return e.Next()
		}})
	}
}

// Forget drops every remembered key of app: another instance announced a
// change, or changes may have been missed.
func Forget(app core.App) {
	if c := cacheOf(app); c != nil {
		c.forget()
	}
}

func cacheOf(app core.App) *keyCache {
	c, _ := app.Store().Get(cacheStoreKey).(*keyCache)
	return c
}

func (c *keyCache) forget() {
	c.generation.Add(1)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// resolve is lookup through the cache. The generation is read before the
// lookup, so a key read while a change commits is not kept past it.
func (c *keyCache) resolve(app core.App, key string) (*core.Record, error) {
	gen := c.generation.Load()
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && e.generation == gen && now.Sub(e.at) < c.maxAge {
		return e.rec, nil
	}
	rec, err := lookup(app, key)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.generation.Load() == gen {
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
		c.entries[key] = cachedKey{rec: rec, at: now, generation: gen}
	}
	c.mu.Unlock()
	return rec, nil
}
