package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/settings"
)

// Redis is the hub of several instances sharing one Redis: every message
// goes over one pub/sub channel, presence lives in sorted sets whose
// entries expire unless the instance holding the connection renews them
// (so a crashed instance's editors disappear from presence by themselves).
type Redis struct {
	client  *redis.Client
	prefix  string
	channel string
	origin  string
	log     *slog.Logger

	subs     subscribers
	status   statusListeners
	presence *redisPresence

	outbox    chan []byte   // envelopes waiting for the publisher
	closing   chan struct{} // closed by Close: the publisher drains and ends
	heartbeat time.Duration
	psMu      sync.Mutex
	pubsub    *redis.PubSub // replaced when a silent link is given up (resubscribe)

	cancel    context.CancelFunc
	done      sync.WaitGroup
	closeOnce sync.Once
}

// outboxSize bounds the envelopes queued for Redis; beyond it (Redis slow
// or away for long) Publish reports ErrUnavailable and the instances
// resynchronise when the link is back.
const outboxSize = 8192

// RedisOptions tune the Redis hub; zero values take the defaults.
type RedisOptions struct {
	// Prefix starts every key and channel name (default "openstream:").
	Prefix string
	// PresenceTTL is how long a presence entry outlives its instance
	// (default 60s); entries are renewed every third of it.
	PresenceTTL time.Duration
	// Logger receives connection losses and recoveries.
	Logger *slog.Logger
	// Heartbeat is how long the channel may stay quiet before it is
	// pinged; a ping unanswered for as long again means the link is lost
	// (a partition, which no connection error reports). Default 15s.
	Heartbeat time.Duration
}

// NewRedis starts a hub on client. It returns at once; while Redis is
// unreachable it keeps retrying in the background and local delivery works.
func NewRedis(client *redis.Client, opts RedisOptions) *Redis {
	if opts.Prefix == "" {
		opts.Prefix = settings.DefaultRedisPrefix
	}
	if opts.PresenceTTL <= 0 {
		opts.PresenceTTL = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Redis{
		client:  client,
		prefix:  opts.Prefix,
		channel: opts.Prefix + "realtime",
		origin:  newInstanceID(),
		log:     opts.Logger,
		outbox:  make(chan []byte, outboxSize),
		closing: make(chan struct{}),
		cancel:  cancel,

		heartbeat: opts.Heartbeat,
	}
	h.presence = &redisPresence{hub: h, ttl: opts.PresenceTTL, local: map[presenceKey]string{}}
	h.pubsub = client.Subscribe(ctx, h.channel)
	h.done.Add(3)
	go func() { defer h.done.Done(); h.receive(ctx) }()
	go func() { defer h.done.Done(); h.publish() }()
	go func() { defer h.done.Done(); h.presence.renewLoop(ctx) }()
	return h
}

func newInstanceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Instance is this hub's id in envelopes and presence entries.
func (h *Redis) Instance() string { return h.origin }

func (h *Redis) Publish(ctx context.Context, topic string, payload []byte) error {
	if !validName(topic) {
		return fmt.Errorf("realtime: invalid topic %q", topic)
	}
	h.subs.deliver(Message{Topic: topic, Payload: payload})
	select {
	case h.outbox <- encodeEnvelope(h.origin, topic, payload):
		return nil
	default:
		return fmt.Errorf("%w: %d messages are waiting for Redis", ErrUnavailable, outboxSize)
	}
}

// publish sends queued envelopes in order, pipelining whatever has piled
// up, so a burst of changes costs one round trip and a slow Redis never
// holds up the request that made the change.
// It is not stopped by the hub's context: a batch being sent when Close
// comes is finished, then the rest drained.
func (h *Redis) publish() {
	batch := make([][]byte, 0, 128)
	for {
		select {
		case env := <-h.outbox:
			batch = append(batch[:0], env)
		case <-h.closing:
			h.drain(batch[:0])
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		h.send(ctx, h.fill(batch))
		cancel()
	}
}

// sendTimeout bounds one batch's round trips (with its retries).
const sendTimeout = 10 * time.Second

// fill adds what else is queued to batch, up to its capacity.
func (h *Redis) fill(batch [][]byte) [][]byte {
	for len(batch) < cap(batch) {
		select {
		case env := <-h.outbox:
			batch = append(batch, env)
		default:
			return batch
		}
	}
	return batch
}

// drain sends what is still queued when the hub closes (a command such as
// an import ends right after its last change), for at most closeDrain.
func (h *Redis) drain(batch [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), closeDrain)
	defer cancel()
	for ctx.Err() == nil {
		if batch = h.fill(batch[:0]); len(batch) == 0 {
			return
		}
		h.send(ctx, batch)
	}
}

// closeDrain bounds how long Close spends sending queued messages.
const closeDrain = 2 * time.Second

// send publishes a batch in one round trip, retrying twice.
func (h *Redis) send(ctx context.Context, batch [][]byte) {
	var err error
	for attempt, wait := 0, 50*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*2 {
		pipe := h.client.Pipeline()
		for _, env := range batch {
			pipe.Publish(ctx, h.channel, env)
		}
		if _, err = pipe.Exec(ctx); err == nil || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	if err != nil && ctx.Err() == nil {
		// The receiver sees the same outage and resynchronises every
		// instance when Redis is back; these messages are lost.
		h.log.Warn("realtime: could not publish to Redis", "messages", len(batch), "error", err)
	}
}

func (h *Redis) Subscribe(topic string, fn Handler) func() { return h.subs.subscribe(topic, fn) }
func (h *Redis) Presence() Presence                        { return h.presence }
func (h *Redis) OnStatus(fn func(error))                   { h.status.add(fn) }

// Close stops receiving and renewing, sends what is still queued (for up
// to two seconds), and removes this instance's presence entries so other
// instances stop showing them at once.
func (h *Redis) Close() error {
	h.closeOnce.Do(func() {
		h.cancel()
		close(h.closing)
		h.psMu.Lock()
		_ = h.pubsub.Close() // unblocks a receive waiting on the socket
		h.psMu.Unlock()
		h.done.Wait()
		h.presence.dropAll()
	})
	return nil
}

// receive reads the channel until ctx ends. go-redis reconnects and
// resubscribes inside Receive after a failed read; the subscription
// confirmation that follows is the sign that Redis is back.
func (h *Redis) receive(ctx context.Context) {
	idle := h.heartbeat
	down, pinged := false, false
	h.psMu.Lock()
	ps := h.pubsub
	h.psMu.Unlock()
	backoff := 50 * time.Millisecond
	fail := func(err error) {
		if !down {
			down = true
			h.log.Warn("realtime: Redis connection lost; delivering locally only", "error", err)
			h.status.notify(fmt.Errorf("%w: %v", ErrUnavailable, err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, idle)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && down {
				// Still nothing, not even the subscription's answer: the
				// new connection may hang in the partition too.
				fail(err)
				ps = h.resubscribe(ctx)
				continue
			}
			if errors.As(err, &ne) && ne.Timeout() {
				if pinged {
					// Not even the ping's answer came back: the link is
					// gone without an error (a partition). A new
					// connection tells when Redis is reachable again.
					pinged = false
					fail(errNoPong)
					ps = h.resubscribe(ctx)
					continue
				}
				// A quiet channel: check the link is alive.
				if perr := ps.Ping(ctx); perr != nil {
					fail(perr)
				} else {
					pinged = true
				}
				continue
			}
			fail(err)
			continue
		}
		pinged = false
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if down {
				down = false
				h.log.Info("realtime: Redis connection restored; resynchronising")
				h.presence.renew(ctx)
				h.status.notify(nil)
			}
		case *redis.Message:
			origin, topic, payload, err := decodeEnvelope([]byte(m.Payload))
			if err != nil || origin == h.origin {
				continue
			}
			h.subs.deliver(Message{Topic: topic, Payload: payload, Remote: true})
		}
	}
}

var errNoPong = errors.New("no answer to a ping within the heartbeat")

// resubscribe replaces the subscription's connection, which a silent link
// left waiting, with a new one, and returns it.
func (h *Redis) resubscribe(ctx context.Context) *redis.PubSub {
	h.psMu.Lock()
	defer h.psMu.Unlock()
	old := h.pubsub
	if ctx.Err() != nil {
		return old
	}
	h.pubsub = h.client.Subscribe(ctx, h.channel)
	_ = old.Close()
	return h.pubsub
}

type presenceKey struct{ set, conn string }

// redisPresence keeps one sorted set per presence set; a member is
// "<instance>|<conn>|<member>" scored by its expiry in Unix milliseconds.
type redisPresence struct {
	hub *Redis
	ttl time.Duration

	mu    sync.Mutex
	local map[presenceKey]string // this instance's entries, to renew
}

func (p *redisPresence) key(set string) string { return p.hub.prefix + "presence:" + set }

func (p *redisPresence) entry(conn, member string) string {
	return p.hub.origin + "|" + conn + "|" + member
}

func (p *redisPresence) expiry() float64 {
	return float64(time.Now().Add(p.ttl).UnixMilli())
}

func (p *redisPresence) Join(ctx context.Context, set, conn, member string) error {
	p.mu.Lock()
	p.local[presenceKey{set, conn}] = member
	p.mu.Unlock()
	pipe := p.hub.client.TxPipeline()
	pipe.ZAdd(ctx, p.key(set), redis.Z{Score: p.expiry(), Member: p.entry(conn, member)})
	pipe.PExpire(ctx, p.key(set), p.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

func (p *redisPresence) Leave(ctx context.Context, set, conn string) error {
	p.mu.Lock()
	member, ok := p.local[presenceKey{set, conn}]
	delete(p.local, presenceKey{set, conn})
	p.mu.Unlock()
	if !ok {
		return nil
	}
	if err := p.hub.client.ZRem(ctx, p.key(set), p.entry(conn, member)).Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

func (p *redisPresence) Members(ctx context.Context, set string) ([]string, error) {
	key := p.key(set)
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	pipe := p.hub.client.TxPipeline()
	pipe.ZRemRangeByScore(ctx, key, "-inf", "("+now)
	entries := pipe.ZRange(ctx, key, 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	out := make([]string, 0, len(entries.Val()))
	for _, e := range entries.Val() {
		parts := strings.SplitN(e, "|", 3)
		if len(parts) == 3 {
			out = append(out, parts[2])
		}
	}
	return out, nil
}

// renewLoop pushes this instance's entries' expiry forward every third of
// the TTL, so they live exactly as long as the instance does.
func (p *redisPresence) renewLoop(ctx context.Context) {
	t := time.NewTicker(p.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.renew(ctx)
		}
	}
}

// renew re-adds every local entry (after a Redis restart they are gone).
func (p *redisPresence) renew(ctx context.Context) {
	p.mu.Lock()
	entries := make(map[presenceKey]string, len(p.local))
	for k, v := range p.local {
		entries[k] = v
	}
	p.mu.Unlock()
	if len(entries) == 0 {
		return
	}
	pipe := p.hub.client.Pipeline()
	score := p.expiry()
	for k, member := range entries {
		pipe.ZAdd(ctx, p.key(k.set), redis.Z{Score: score, Member: p.entry(k.conn, member)})
		pipe.PExpire(ctx, p.key(k.set), p.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		p.hub.log.Warn("realtime: presence renewal failed", "error", err)
	}
}

// dropAll removes this instance's entries (on a clean shutdown).
func (p *redisPresence) dropAll() {
	p.mu.Lock()
	entries := p.local
	p.local = map[presenceKey]string{}
	p.mu.Unlock()
	if len(entries) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pipe := p.hub.client.Pipeline()
	for k, member := range entries {
		pipe.ZRem(ctx, p.key(k.set), p.entry(k.conn, member))
	}
	_, _ = pipe.Exec(ctx)
}
