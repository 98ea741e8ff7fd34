package hub_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/realtime/hub"
)

// inbox collects what a subscription receives.
type inbox struct {
	mu   sync.Mutex
	msgs []hub.Message
	got  chan struct{}
}

func listen(h hub.Hub, topic string) *inbox {
	in := &inbox{got: make(chan struct{}, 1024)}
	h.Subscribe(topic, func(m hub.Message) {
		in.mu.Lock()
		in.msgs = append(in.msgs, m)
		in.mu.Unlock()
		in.got <- struct{}{}
	})
	return in
}

// next waits for the next message.
func (in *inbox) next(t *testing.T) hub.Message {
	t.Helper()
	select {
	case <-in.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	m := in.msgs[0]
	in.msgs = in.msgs[1:]
	return m
}

func (in *inbox) empty() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.msgs) == 0
}

func redisHub(t *testing.T, url, prefix string, ttl time.Duration) *hub.Redis {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	h := hub.NewRedis(client, hub.RedisOptions{Prefix: prefix, PresenceTTL: ttl})
	t.Cleanup(func() { _ = h.Close(); _ = client.Close() })
	return h
}

func prefix(t *testing.T) string {
	return fmt.Sprintf("openstream-test:%s:%d:", t.Name(), time.Now().UnixNano())
}

// ready publishes pings from a until b hears one: the subscription of a
// new hub is made in the background.
func ready(t *testing.T, a, b hub.Hub) {
	t.Helper()
	in := listen(b, "ready")
	deadline := time.Now().Add(10 * time.Second)
	for in.empty() {
		if time.Now().After(deadline) {
			t.Fatal("hubs never connected")
		}
		_ = a.Publish(context.Background(), "ready", []byte("?"))
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPublishReachesEveryInstance(t *testing.T) {
	p := prefix(t)
	url := testenv.RedisURL(t)
	a, b := redisHub(t, url, p, 0), redisHub(t, url, p, 0)
	other := redisHub(t, url, prefix(t), 0) // another deployment on the same Redis
	ready(t, a, b)
	inA, inB, inOther := listen(a, "changes"), listen(b, "changes"), listen(other, "changes")

	for i := range 50 {
		if err := a.Publish(context.Background(), "changes", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		if m := inA.next(t); m.Remote || string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("local %d: %+v", i, m)
		}
		if m := inB.next(t); !m.Remote || string(m.Payload) != fmt.Sprint(i) || m.Topic != "changes" {
			t.Fatalf("remote %d: %+v (in order, once)", i, m)
		}
	}
	if !inOther.empty() {
		t.Fatal("another prefix heard the messages")
	}
	// An instance does not hear its own messages twice.
	_ = b.Publish(context.Background(), "ready", nil)
	_ = a.Publish(context.Background(), "changes", []byte("last"))
	inB.next(t)
	if m := inA.next(t); string(m.Payload) != "last" || !inA.empty() {
		t.Fatalf("echo: %+v", m)
	}
}

func TestSubscriptionsEnd(t *testing.T) {
	h := hub.NewLocal()
	n := 0
	cancel := h.Subscribe("t", func(hub.Message) { n++ })
	_ = h.Publish(context.Background(), "t", nil)
	cancel()
	cancel() // twice is harmless
	_ = h.Publish(context.Background(), "t", nil)
	if n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

// A topic's handlers run in the order they subscribed, on both hubs and
// for local and remote messages; one that unsubscribed keeps no place.
func TestHandlersRunInSubscriptionOrder(t *testing.T) {
	p := prefix(t)
	url := testenv.RedisURL(t)
	a, b := redisHub(t, url, p, 0), redisHub(t, url, p, 0)
	ready(t, a, b)
	local := hub.NewLocal()
	for _, c := range []struct {
		name           string
		subscribe, pub hub.Hub
	}{
		{"local hub", local, local},
		{"redis, local message", a, a},
		{"redis, remote message", b, a},
	} {
		topic := "order " + c.name
		var order []int // written by the handlers, which run one after another
		done := make(chan struct{})
		cancels := make([]func(), 20)
		for i := range cancels {
			cancels[i] = c.subscribe.Subscribe(topic, func(hub.Message) {
				order = append(order, i)
				if i == len(cancels)-1 {
					close(done)
				}
			})
		}
		cancels[5]()
		if err := c.pub.Publish(context.Background(), topic, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: not delivered", c.name)
		}
		var want []int
		for i := range len(cancels) {
			if i != 5 {
				want = append(want, i)
			}
		}
		if !slices.Equal(order, want) {
			t.Errorf("%s: handlers ran in order %v", c.name, order)
		}
		for _, cancel := range cancels {
			cancel()
		}
	}
}

// Presence counts connections on every instance; an entry whose instance
// stopped renewing it expires.
func TestPresence(t *testing.T) {
	p := prefix(t)
	url := testenv.RedisURL(t)
	cases := map[string]func(t *testing.T) (hub.Presence, hub.Presence){
		"local": func(t *testing.T) (hub.Presence, hub.Presence) {
			h := hub.NewLocal()
			return h.Presence(), h.Presence()
		},
		"redis": func(t *testing.T) (hub.Presence, hub.Presence) {
			return redisHub(t, url, p, 0).Presence(), redisHub(t, url, p, 0).Presence()
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := build(t)
			must(t, a.Join(ctx, "slideshow:1", "c1", "7"))
			must(t, b.Join(ctx, "slideshow:1", "c2", "7")) // the same user's second tab
			must(t, b.Join(ctx, "slideshow:1", "c3", "9"))
			must(t, b.Join(ctx, "slideshow:2", "c4", "9"))
			assertMembers(t, a, "slideshow:1", "7", "7", "9")
			must(t, a.Leave(ctx, "slideshow:1", "c1"))
			assertMembers(t, b, "slideshow:1", "7", "9")
			must(t, b.Leave(ctx, "slideshow:1", "c2"))
			must(t, b.Leave(ctx, "slideshow:1", "unknown"))
			assertMembers(t, a, "slideshow:1", "9")
			assertMembers(t, a, "slideshow:2", "9")
		})
	}
	t.Run("expiry", func(t *testing.T) {
		ctx := context.Background()
		opts, _ := redis.ParseURL(url)
		client := redis.NewClient(opts)
		defer client.Close()
		key := p + "presence:slideshow:3"
		// An entry a crashed instance left behind, expired a second ago.
		must(t, client.ZAdd(ctx, key, redis.Z{Score: float64(time.Now().Add(-time.Second).UnixMilli()), Member: "dead|c9|5"}).Err())
		h := redisHub(t, url, p, 0)
		must(t, h.Presence().Join(ctx, "slideshow:3", "c1", "6"))
		assertMembers(t, h.Presence(), "slideshow:3", "6")
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertMembers(t *testing.T, p hub.Presence, set string, want ...string) {
	t.Helper()
	got, err := p.Members(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: members %v, want %v", set, got, want)
	}
}

// Redis stops: local delivery goes on and the loss is reported; it comes
// back: the hubs resubscribe, report it, re-add their presence (a restart
// without persistence lost it) and deliver again.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix(t)
	a, b := redisHub(t, srv.URL(), p, 0), redisHub(t, srv.URL(), p, 0)
	ready(t, a, b)
	statusA := make(chan error, 10)
	a.OnStatus(func(err error) { statusA <- err })
	ctx := context.Background()
	must(t, a.Presence().Join(ctx, "slideshow:1", "c1", "7"))
	inA, inB := listen(a, "changes"), listen(b, "changes")

	srv.Stop()
	if err := <-statusA; !errors.Is(err, hub.ErrUnavailable) {
		t.Fatalf("loss reported as %v", err)
	}
	_ = a.Publish(ctx, "changes", []byte("during"))
	if m := inA.next(t); string(m.Payload) != "during" {
		t.Fatalf("local delivery during the outage: %+v", m)
	}

	srv.Restart()
	if err := <-statusA; err != nil {
		t.Fatalf("recovery reported as %v", err)
	}
	assertMembers(t, b.Presence(), "slideshow:1", "7")
	ready(t, a, b)
	must(t, a.Publish(ctx, "changes", []byte("after")))
	for {
		m := inB.next(t)
		if string(m.Payload) == "after" {
			break
		}
		if string(m.Payload) != "during" { // it may or may not have been published late
			t.Fatalf("unexpected %q", m.Payload)
		}
	}
}

// Close sends what is still queued: a command that changes records and
// exits at once (an import) still reaches the running servers.
func TestCloseSendsWhatIsQueued(t *testing.T) {
	p := prefix(t)
	url := testenv.RedisURL(t)
	b := redisHub(t, url, p, 0)
	opts, _ := redis.ParseURL(url)
	client := redis.NewClient(opts)
	defer client.Close()
	a := hub.NewRedis(client, hub.RedisOptions{Prefix: p})
	ready(t, a, b)
	in := listen(b, "changes")
	const n = 2000
	for i := range n {
		if err := a.Publish(context.Background(), "changes", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	must(t, a.Close())
	for i := range n {
		if m := in.next(t); string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("message %d: %q", i, m.Payload)
		}
	}
}
