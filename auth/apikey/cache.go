package apikey

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/tools/recent"
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

// EnableCache makes Resolve on app remember active keys for up to maxAge
// (DefaultCacheAge when 0); now is the clock (time.Now when nil). Screens
// send their key with every poll and every socket, and the lookup was half
// of a poll's cost. Any saved or deleted key forgets them all, before the
// hooks that tell screens run.
func EnableCache(app core.App, maxAge time.Duration, now func() time.Time) {
	if maxAge <= 0 {
		maxAge = DefaultCacheAge
	}
	c := recent.New(maxAge, maxCached, now)
	app.Store().Set(cacheStoreKey, c)
	for _, h := range []*hook.TaggedHook[*core.ModelEvent]{
		app.OnModelAfterCreateSuccess(collections.BranchAPIKeys),
		app.OnModelAfterUpdateSuccess(collections.BranchAPIKeys),
		app.OnModelAfterDeleteSuccess(collections.BranchAPIKeys),
	} {
		// Before the realtime layer's handlers, which close the sockets
		// of a key that stopped working by resolving it again.
		h.Bind(&hook.Handler[*core.ModelEvent]{Priority: -1000, Func: func(e *core.ModelEvent) error {
			c.Forget()
			return e.Next()
		}})
	}
}

// Forget drops every remembered key of app: another instance announced a
// change, or changes may have been missed.
func Forget(app core.App) {
	if c := cacheOf(app); c != nil {
		c.Forget()
	}
}

func cacheOf(app core.App) *recent.Cache {
	c, _ := app.Store().Get(cacheStoreKey).(*recent.Cache)
	return c
}
