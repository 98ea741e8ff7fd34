// Package hub delivers realtime messages between the parts of one
// openstream process and, with Redis, between processes: what is published
// on one instance reaches the subscribers of every instance. It also keeps
// presence (who is connected to what), shared the same way.
//
// The in-process hub is the default; the Redis hub is used when REDIS_URL
// is set. Both deliver to local subscribers synchronously inside Publish, so
// local delivery goes on while Redis is away.
package hub

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// Message is one delivery to a subscriber.
type Message struct {
	Topic   string
	Payload []byte
	// Remote is true when another instance published it.
	Remote bool
}

// Handler receives messages. It runs on the publisher's goroutine (local
// messages) or the hub's receive loop (remote ones), so it must not block:
// hand slow work to a goroutine of your own.
type Handler func(Message)

// Hub is the publish/subscribe and presence service of the realtime layer.
type Hub interface {
	// Publish delivers payload to the topic's subscribers here at once and
	// on every other instance. A non-nil error (ErrUnavailable) means other
	// instances may not get it; local subscribers did.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe registers fn for topic until cancel is called. A topic's
	// handlers run one after another in the order they subscribed, so a
	// handler can count on what an earlier one did (realtime.Register
	// drops the shared content cache before anything recomputes).
	Subscribe(topic string, fn Handler) (cancel func())
	// Presence is the shared record of who is connected where.
	Presence() Presence
	// OnStatus registers fn to hear when the link to the other instances is
	// lost (err != nil) and when it is back (err == nil, after a loss; the
	// messages sent meanwhile are gone, so resynchronise). Register before
	// the first Publish.
	OnStatus(fn func(err error))
	// Close stops the hub's background work.
	Close() error
}

// Presence counts connections, not users: one user with two tabs is two
// entries, and closing one tab leaves the other.
type Presence interface {
	// Join records that connection conn (unique per instance) of member is in set.
	Join(ctx context.Context, set, conn, member string) error
	// Leave removes conn from set.
	Leave(ctx context.Context, set, conn string) error
	// Members lists the member of every live connection in set, unsorted
	// and with repeats (one per connection).
	Members(ctx context.Context, set string) ([]string, error)
}

// ErrUnavailable wraps the error of a publish or presence call that could
// not reach the other instances.
var ErrUnavailable = errors.New("realtime: other instances unreachable")

// subscribers is the local fan-out both hubs share. Each topic's
// handlers are kept in the order they subscribed, the order deliver runs
// them in.
type subscribers struct {
	mu     sync.RWMutex
	next   int
	topics map[string][]subscription
}

type subscription struct {
	id int
	fn Handler
}

func (s *subscribers) subscribe(topic string, fn Handler) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics == nil {
		s.topics = map[string][]subscription{}
	}
	s.next++
	id := s.next
	s.topics[topic] = append(s.topics[topic], subscription{id: id, fn: fn})
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			// A new slice: deliver may be running over the old one.
			left := slices.DeleteFunc(slices.Clone(s.topics[topic]), func(sub subscription) bool { return sub.id == id })
			if len(left) == 0 {
				delete(s.topics, topic)
			} else {
				s.topics[topic] = left
			}
		})
	}
}

func (s *subscribers) deliver(m Message) {
	s.mu.RLock()
	subs := s.topics[m.Topic]
	s.mu.RUnlock()
	for _, sub := range subs {
		sub.fn(m)
	}
}

// statusListeners are the OnStatus callbacks.
type statusListeners struct {
	mu  sync.Mutex
	fns []func(error)
}

func (l *statusListeners) add(fn func(error)) {
	l.mu.Lock()
	l.fns = append(l.fns, fn)
	l.mu.Unlock()
}

func (l *statusListeners) notify(err error) {
	l.mu.Lock()
	fns := append([]func(error){}, l.fns...)
	l.mu.Unlock()
	for _, fn := range fns {
		fn(err)
	}
}
