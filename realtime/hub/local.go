package hub

import (
	"context"
	"sync"
)

// Local is the hub of a single instance.
type Local struct {
	subs     subscribers
	presence localPresence
}

// NewLocal returns an in-process hub.
func NewLocal() *Local { return &Local{presence: localPresence{sets: map[string]map[string]string{}}} }

func (h *Local) Publish(_ context.Context, topic string, payload []byte) error {
	h.subs.deliver(Message{Topic: topic, Payload: payload})
	return nil
}

func (h *Local) Subscribe(topic string, fn Handler) func() { return h.subs.subscribe(topic, fn) }
func (h *Local) Presence() Presence                        { return &h.presence }
func (h *Local) OnStatus(func(error))                      {} // never loses anything
func (h *Local) Close() error                              { return nil }

type localPresence struct {
	mu   sync.Mutex
	sets map[string]map[string]string // set -> conn -> member
}

func (p *localPresence) Join(_ context.Context, set, conn, member string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sets[set] == nil {
		p.sets[set] = map[string]string{}
	}
	p.sets[set][conn] = member
	return nil
}

func (p *localPresence) Leave(_ context.Context, set, conn string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.sets[set], conn)
	if len(p.sets[set]) == 0 {
		delete(p.sets, set)
	}
	return nil
}

func (p *localPresence) Members(_ context.Context, set string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.sets[set]))
	for _, m := range p.sets[set] {
		out = append(out, m)
	}
	return out, nil
}
