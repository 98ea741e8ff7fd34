package publish

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/lease"
)

// LeaseTTL bounds how long the edges' state stands still when the
// instance writing it dies without stopping: another takes over then.
const LeaseTTL = 3 * time.Second

// Register publishes app's screen state into the Redis of redisURL, under
// the deployment's prefix (REDIS_PREFIX), while app serves: started with
// the server, stopped when it terminates. player is the screens' shared
// content cache (Config.Player), or nil.
func Register(app core.App, h hub.Hub, redisURL, redisPrefix string, loc *time.Location, player *playback.Player) (*Publisher, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	prefix := state.Prefix(redisPrefix)
	l := lease.New(client, prefix+"publisher", LeaseTTL, app.Logger())
	p := New(app, Config{Hub: h, Redis: client, Prefix: prefix, Location: loc, Player: player, Lease: l})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		p.Start()
		l.Start()
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		p.Close()
		l.Close() // another instance takes over at once
		_ = client.Close()
		return e.Next()
	})
	return p, nil
}
