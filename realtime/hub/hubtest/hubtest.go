// Package hubtest gives tests realtime hubs over the test suite's Redis,
// standing for instances of one deployment.
package hubtest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/realtime/hub"
)

// linkTimeout bounds the wait for the subscriptions to start.
const linkTimeout = 10 * time.Second

// Linked are n hubs over the test Redis with a prefix of their own, each
// hearing the others when returned; they close when the test ends.
func Linked(t testing.TB, n int) []*hub.Redis {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "openstream-test-" + hex.EncodeToString(b) + ":"
	hubs := make([]*hub.Redis, n)
	for i := range hubs {
		client := redis.NewClient(opts)
		h := hub.NewRedis(client, hub.RedisOptions{Prefix: prefix})
		t.Cleanup(func() {
			_ = h.Close()
			_ = client.Close()
		})
		hubs[i] = h
	}
	// The subscriptions start in the background: wait until each hub hears
	// every other one.
	for i, to := range hubs {
		heard := make(chan struct{}, 1)
		cancel := to.Subscribe("probe", func(m hub.Message) {
			if m.Remote {
				select {
				case heard <- struct{}{}:
				default:
				}
			}
		})
		deadline := time.Now().Add(linkTimeout)
		for linked := false; !linked; {
			if time.Now().After(deadline) {
				t.Fatalf("hub %d does not hear the others", i)
			}
			for j, from := range hubs {
				if j != i {
					_ = from.Publish(t.Context(), "probe", []byte("x"))
				}
			}
			select {
			case <-heard:
				linked = true
			case <-time.After(20 * time.Millisecond):
			}
		}
		cancel()
	}
	return hubs
}
