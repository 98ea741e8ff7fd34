package api

import (
	"sync"
	"time"
)

// throttle is DRF's SimpleRateThrottle: at most rate requests per key in
// any window, remembered in process (as upstream's local-memory cache).
type throttle struct {
	rate   int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time // per key, oldest first, within the window
}

func newThrottle(rate int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{rate: rate, window: window, now: now, hits: map[string][]time.Time{}}
}

// allow records a request for key, or returns how long until the next
// one would be allowed (DRF's wait: window minus the oldest hit's age).
func (t *throttle) allow(key string) (bool, time.Duration) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	hits := t.hits[key]
	for len(hits) > 0 && now.Sub(hits[0]) >= t.window {
		hits = hits[1:]
	}
	if len(hits) >= t.rate {
		t.hits[key] = hits
		return false, t.window - now.Sub(hits[0])
	}
	t.hits[key] = append(hits, now)
	t.prune(now)
	return true, 0
}

// prune forgets keys whose hits have all expired, so random keys cannot
// grow the map without bound. It runs when the map is large.
func (t *throttle) prune(now time.Time) {
	if len(t.hits) < 1024 {
		return
	}
	for k, hits := range t.hits {
		if len(hits) == 0 || now.Sub(hits[len(hits)-1]) >= t.window {
			delete(t.hits, k)
		}
	}
}
