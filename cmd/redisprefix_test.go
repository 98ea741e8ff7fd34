package cmd

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/settings"
)

// TestDeploymentsShareOneRedisApart wires two deployments, each with a
// data directory of its own, on the test Redis under two REDIS_PREFIXes:
// the sign-in counts of one never hold up the other's users, and what
// each keeps in Redis is found under its own prefix.
func TestDeploymentsShareOneRedisApart(t *testing.T) {
	c := testclock.At(time.Now())
	t.Setenv("OPENSTREAM_EVENTS_ADDR", "off")
	t.Setenv("LOGIN_LIMIT_PER_ACCOUNT", "2")
	type deployment struct {
		instance
		redis  *redis.Client
		prefix string
	}
	deploy := func(name string) deployment {
		client, prefix := testenv.RedisDeployment(t) // read by wire
		app := testapp.New(t)
		wire(app, settings.Default(), keycloak.Config{}, c.Now)
		addUser(t, app, "alice", "alice@example.dk", "alice-password")
		return deployment{instance{name, app, testapp.Handler(t, app)}, client, prefix}
	}
	aarhus, odense := deploy("aarhus"), deploy("odense")
	if aarhus.prefix == odense.prefix {
		t.Fatal("the deployments share a prefix")
	}
	login := map[string]any{"username": "alice", "password": "nope"}
	for range 2 {
		expectStatus(t, "wrong password in Aarhus", aarhus.post(t, clientAddress(), "/api/token/", login, ""), 401)
	}
	login["password"] = "alice-password"
	if got := aarhus.post(t, clientAddress(), "/api/token/", login, ""); got.status != http.StatusTooManyRequests {
		t.Fatalf("Aarhus's alice after two failures: %d %s, want 429", got.status, got.body)
	}
	expectStatus(t, "Odense's alice", odense.post(t, clientAddress(), "/api/token/", login, ""), 200)

	for _, d := range []deployment{aarhus, odense} {
		keys, err := d.redis.Keys(context.Background(), d.prefix+"login-limit:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		// Aarhus counted alice's account and two addresses; Odense, whose
		// sign-in succeeded at once, counted nothing.
		if want := map[string]int{"aarhus": 3, "odense": 0}[d.name]; len(keys) != want {
			t.Errorf("%s: %d sign-in counts under %s, want %d: %s", d.name, len(keys), d.prefix, want, strings.Join(keys, " "))
		}
		// Each deployment's realtime hub listens on a channel of its own.
		channels, err := d.redis.PubSubChannels(context.Background(), d.prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(channels) != 1 || channels[0] != d.prefix+"realtime" {
			t.Errorf("%s: channels %v, want %srealtime", d.name, channels, d.prefix)
		}
	}
}
