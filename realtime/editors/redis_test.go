package editors

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/realtime/hub"
)

// newRedisHubs are n hubs over the test Redis with a prefix of their own,
// linked (each hears the others) when returned.
func newRedisHubs(t *testing.T, n int) []*hub.Redis {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "openstream-test-editors-" + hex.EncodeToString(b) + ":"
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
		deadline := time.Now().Add(readTimeout)
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

// Two instances sharing Redis (one app stands for the shared database):
// updates and presence cross between them.
func TestRedisInstances(t *testing.T) {
	hubs := newRedisHubs(t, 2)
	f := newFixture(t, Config{Hub: hubs[0]})
	_, srvB := f.instance(Config{Hub: hubs[1]})

	alice := f.openOn(f.srv, "alice")
	alice.until("snapshot", isData)
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	sam.until("snapshot", isData)
	sam.untilPresence("alice,sam")
	alice.untilPresence("alice,sam")

	sam.send(map[string]any{"type": "update", "data": map[string]any{"name": "From B"}})
	sam.untilFrame(`{"message":"Slideshow updated"}`)
	named := func(name string) func(map[string]any) bool {
		return func(m map[string]any) bool {
			d, _ := m["data"].(map[string]any)
			return d["name"] == name
		}
	}
	sam.until("own broadcast", named("From B"))
	alice.until("broadcast from B", named("From B"))

	alice.send(map[string]any{"type": "update", "data": map[string]any{"name": "From A"}})
	alice.untilFrame(`{"message":"Slideshow updated"}`)
	sam.until("broadcast from A", named("From A"))

	_ = sam.ws.Close()
	alice.untilPresence("alice")
}
