package cache

import (
	"context"
	"sync"
	"time"
)

// sweepAbove is the entry count past which Set drops expired entries: some
// keys (WinKAS sub-location sets) come from clients, so the map must not
// grow without bound.
const sweepAbove = 1024

// Memory is an in-process Cache.
type Memory struct {
	clock   Clock
	mu      sync.Mutex
	entries map[string]memoryEntry
}

type memoryEntry struct {
	value   []byte
	expires time.Time
}

// NewMemory returns an empty in-process cache on clock (nil: time.Now).
func NewMemory(clock Clock) *Memory {
	return &Memory{clock: clock, entries: map[string]memoryEntry{}}
}

// Get implements Cache.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := m.clock.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil, false, nil
	}
	if !now.Before(e.expires) {
		delete(m.entries, key)
		return nil, false, nil
	}
	return e.value, true, nil
}

// Set implements Cache.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	now := m.clock.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= sweepAbove {
		for k, e := range m.entries {
			if !now.Before(e.expires) {
				delete(m.entries, k)
			}
		}
	}
	// Values are shared with readers, so keep a private copy.
	m.entries[key] = memoryEntry{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return nil
}

// Len is the number of stored entries, live or not yet swept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
