package pgsync

import (
	"context"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/mirror"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// Register turns the mirror on when cfg is enabled: every process (serve
// and the CLI commands alike) writes outbox rows, and `serve` runs the
// worker that drains them. With cfg disabled it does nothing.
func Register(app core.App, cfg Config) {
	if !cfg.Enabled() {
		return
	}
	m := Enable(app, cfg.URL)
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return outbox.Ensure(e.App)
	})
	var stop func()
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		stop = Start(m)
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if stop != nil {
			stop()
		}
		return e.Next()
	})
}

// Enable binds the outbox hooks to app and returns the worker that will
// drain them into url (not started). The outbox tables must exist
// (outbox.Ensure) before the first change.
func Enable(app core.App, url string) *mirror.Mirror {
	m := mirror.New(app, url)
	outbox.Bind(app, schema.Mirrored, m.Notify)
	return m
}

// Start runs m in the background and returns a function that stops it and
// waits for the batch in flight.
func Start(m *mirror.Mirror) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	return func() { cancel(); wg.Wait() }
}
