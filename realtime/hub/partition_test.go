package hub_test

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/realtime/hub"
)

// blackhole forwards TCP to target until cut: then it drops every byte
// both ways and closes nothing, as a partitioned network does, and
// refuses new connections until mended.
type blackhole struct {
	ln  net.Listener
	cut atomic.Bool
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if b.cut.Load() {
				go func() { time.Sleep(time.Minute); c.Close() }() // a dial that never completes its handshake
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			var once sync.Once
			closeBoth := func() { once.Do(func() { c.Close(); up.Close() }) }
			go b.pipe(c, up, closeBoth)
			go b.pipe(up, c, closeBoth)
		}
	}()
	return b
}

func (b *blackhole) pipe(dst, src net.Conn, done func()) {
	defer done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !b.cut.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A link that goes silent (no error, no close) is noticed within two
// heartbeats, and its recovery too.
func TestSilentLinkIsNoticed(t *testing.T) {
	srv := redistest.Start(t)
	bh := newBlackhole(t, strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "redis://"), "/0"))
	opts, _ := redis.ParseURL("redis://" + bh.ln.Addr().String() + "/0")
	opts.DialTimeout = 300 * time.Millisecond
	h := hub.NewRedis(redis.NewClient(opts), hub.RedisOptions{Prefix: prefix(t), Heartbeat: 200 * time.Millisecond})
	t.Cleanup(func() { _ = h.Close() })
	status := make(chan error, 16)
	h.OnStatus(func(err error) { status <- err })
	time.Sleep(500 * time.Millisecond) // subscribed and quiet

	bh.cut.Store(true)
	select {
	case err := <-status:
		if err == nil {
			t.Fatal("recovery reported before any loss")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the silent link was not noticed")
	}
	// Connections made meanwhile hang as well; the link's return is still
	// noticed.
	time.Sleep(time.Second)
	bh.cut.Store(false)
	for {
		select {
		case err := <-status:
			if err == nil {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the link's return was not noticed")
		}
	}
}
