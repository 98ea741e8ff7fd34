package publish

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/realtime/hub"
)

// Register publishes app's screen state into the Redis of redisURL while
// app serves: started with the server, stopped when it terminates.
func Register(app core.App, h hub.Hub, redisURL string, loc *time.Location) (*Publisher, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	p := New(app, Config{Hub: h, Redis: client, Location: loc})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		p.Start()
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		p.Close()
		_ = client.Close()
		return e.Next()
	})
	return p, nil
}
