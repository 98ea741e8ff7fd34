package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/integrations/cache"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/internal/testenv"
)

// redisClient connects to the test Redis over TCP and removes the keys
// under prefix when the test ends.
func redisClient(t *testing.T, prefix string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
		client.Close()
	})
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	return client
}

func prefixFor(t *testing.T) string {
	return fmt.Sprintf("openstream:test:%s:%d:", t.Name(), time.Now().UnixNano())
}

func TestCaches(t *testing.T) {
	impls := map[string]func(t *testing.T, clock cache.Clock) cache.Cache{
		"memory": func(t *testing.T, clock cache.Clock) cache.Cache { return cache.NewMemory(clock) },
		"redis": func(t *testing.T, clock cache.Clock) cache.Cache {
			p := prefixFor(t)
			return cache.NewRedis(redisClient(t, p), p, clock)
		},
	}
	for name, build := range impls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clock := testclock.At(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
			c := build(t, clock.Now)

			if _, ok, err := c.Get(ctx, "k"); ok || err != nil {
				t.Fatalf("empty cache: ok=%v err=%v", ok, err)
			}
			if err := c.Set(ctx, "k", []byte("v1"), time.Minute); err != nil {
				t.Fatal(err)
			}
			got, ok, err := c.Get(ctx, "k")
			if !ok || err != nil || string(got) != "v1" {
				t.Fatalf("hit: %q %v %v", got, ok, err)
			}
			clock.Advance(59 * time.Second)
			if _, ok, _ := c.Get(ctx, "k"); !ok {
				t.Fatal("expired before its ttl")
			}
			clock.Advance(time.Second)
			if _, ok, _ := c.Get(ctx, "k"); ok {
				t.Fatal("still live at its ttl")
			}

			if err := c.Set(ctx, "k", []byte("v2"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "k", []byte("v3"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if got, _, _ := c.Get(ctx, "k"); string(got) != "v3" {
				t.Fatalf("overwrite: %q", got)
			}

			if err := c.Set(ctx, "none", []byte("x"), 0); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := c.Get(ctx, "none"); ok {
				t.Fatal("ttl 0 stored a value")
			}
			if err := c.Set(ctx, "empty", nil, time.Minute); err != nil {
				t.Fatal(err)
			}
			if got, ok, _ := c.Get(ctx, "empty"); !ok || len(got) != 0 {
				t.Fatalf("empty value: %q %v", got, ok)
			}
		})
	}
}

// Two Redis caches with the same prefix are two server instances: what one
// stores the other reads.
func TestRedisIsShared(t *testing.T) {
	ctx := context.Background()
	p := prefixFor(t)
	a := cache.NewRedis(redisClient(t, p), p, nil)
	b := cache.NewRedis(redisClient(t, p), p, nil)
	if err := a.Set(ctx, "news", []byte("shared"), time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := b.Get(ctx, "news")
	if !ok || err != nil || string(got) != "shared" {
		t.Fatalf("other instance: %q %v %v", got, ok, err)
	}
	// Redis itself expires the key too, so nothing lingers after the ttl.
	ttl, err := redisClient(t, p).PTTL(ctx, p+"news").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("redis ttl %v %v", ttl, err)
	}
}

func TestRedisDownIsAnError(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: time.Second, MaxRetries: -1})
	defer client.Close()
	c := cache.NewRedis(client, "x:", nil)
	if _, _, err := c.Get(context.Background(), "k"); err == nil {
		t.Fatal("no error from an unreachable Redis")
	}
}

func TestMemorySweepsExpiredEntries(t *testing.T) {
	ctx := context.Background()
	clock := testclock.At(time.Unix(0, 0))
	m := cache.NewMemory(clock.Now)
	for i := 0; i < 1024; i++ {
		_ = m.Set(ctx, fmt.Sprint(i), []byte("x"), time.Second)
	}
	clock.Advance(time.Hour)
	_ = m.Set(ctx, "fresh", []byte("y"), time.Second)
	if m.Len() != 1 {
		t.Fatalf("%d entries after the sweep, want 1", m.Len())
	}
}

func TestMemoryKeepsItsOwnCopy(t *testing.T) {
	ctx := context.Background()
	m := cache.NewMemory(nil)
	v := []byte("abc")
	_ = m.Set(ctx, "k", v, time.Minute)
	v[0] = 'X'
	if got, _, _ := m.Get(ctx, "k"); string(got) != "abc" {
		t.Fatalf("caller's slice changed the entry: %q", got)
	}
}
