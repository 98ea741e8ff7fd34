package lease_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/realtime/lease"
)

// ttl is long enough that a renewal delayed on a loaded machine does not
// lose the key, short enough for the test.
const ttl = 1500 * time.Millisecond

func client(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func key(t *testing.T, c *redis.Client) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	k := "openstream-test-lease-" + hex.EncodeToString(b)
	t.Cleanup(func() { c.Del(context.Background(), k) })
	return k
}

// eventually waits until cond holds, failing after rttest.Wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(rttest.Wait); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// Of two instances on one key exactly one holds the lease; when it stops,
// the other takes over and hears of it.
func TestOneHolderAndTakeOver(t *testing.T) {
	c := client(t)
	k := key(t, c)
	a, b := lease.New(c, k, ttl, nil), lease.New(c, k, ttl, nil)
	var gainedA, gainedB atomic.Int32
	a.OnGain(func() { gainedA.Add(1) })
	b.OnGain(func() { gainedB.Add(1) })
	a.Start()
	b.Start()
	defer b.Close()
	if !a.Held() || b.Held() || gainedA.Load() != 1 || gainedB.Load() != 0 {
		t.Fatalf("after the first attempts: a %v (gained %d), b %v (gained %d)", a.Held(), gainedA.Load(), b.Held(), gainedB.Load())
	}
	// Two renewals later a still holds it alone.
	time.Sleep(ttl * 4 / 5)
	if !a.Held() || b.Held() {
		t.Fatalf("after renewals: a %v, b %v", a.Held(), b.Held())
	}
	a.Close()
	if a.Held() {
		t.Fatal("a closed lease is still held")
	}
	eventually(t, "b never took over", b.Held)
	if gainedB.Load() != 1 || gainedA.Load() != 1 {
		t.Fatalf("gains: a %d, b %d", gainedA.Load(), gainedB.Load())
	}
}

// Without Redis the one instance holds it; with Redis unreachable every
// instance does (the job is done twice rather than not at all).
func TestHeldWithoutRedis(t *testing.T) {
	alone := lease.New(nil, "k", ttl, nil)
	gained := false
	alone.OnGain(func() { gained = true })
	alone.Start()
	defer alone.Close()
	if !alone.Held() || !gained {
		t.Fatalf("no Redis: held %v, gained %v", alone.Held(), gained)
	}
	gone := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { _ = gone.Close() })
	a, b := lease.New(gone, "k", ttl, nil), lease.New(gone, "k", ttl, nil)
	a.Start()
	b.Start()
	defer a.Close()
	defer b.Close()
	if !a.Held() || !b.Held() {
		t.Fatalf("Redis unreachable: a %v, b %v", a.Held(), b.Held())
	}
}
