package alerts

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Webhook posts alerts as JSON to one URL from a bounded queue: a post
// that fails (no answer within Timeout, or a status other than 2xx) is
// retried with a doubling backoff up to Attempts times; when the queue is
// full the alert is dropped and logged. Post never waits.
type Webhook struct {
	url    string
	client *http.Client
	log    *slog.Logger
	queue  chan []byte
	// Attempts per alert (5) and the first backoff (1s, then 2s, 4s, ...).
	attempts int
	backoff  time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// WebhookConfig tunes a Webhook; zero values take the defaults.
type WebhookConfig struct {
	URL      string
	Queue    int           // alerts that may wait (100)
	Attempts int           // per alert (5)
	Backoff  time.Duration // before the second attempt (1s), doubling
	Timeout  time.Duration // per attempt (10s)
	Log      *slog.Logger
}

// NewWebhook starts the sender; nil when URL is empty.
func NewWebhook(cfg WebhookConfig) *Webhook {
	if cfg.URL == "" {
		return nil
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 100
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhook{url: cfg.URL, client: &http.Client{Timeout: cfg.Timeout}, log: cfg.Log, queue: make(chan []byte, cfg.Queue),
		attempts: cfg.Attempts, backoff: cfg.Backoff, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go w.run()
	return w
}

// Post queues body; it is dropped (and logged) when the queue is full.
func (w *Webhook) Post(body []byte) {
	if w == nil {
		return
	}
	select {
	case w.queue <- body:
	default:
		w.log.Warn("alerts: webhook queue full, alert dropped", "url", w.url)
	}
}

// Close stops the sender; queued alerts are dropped.
func (w *Webhook) Close() {
	if w == nil {
		return
	}
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}

func (w *Webhook) run() {
	defer close(w.done)
	for {
		select {
		case <-w.ctx.Done():
			return
		case body := <-w.queue:
			w.send(body)
		}
	}
}

func (w *Webhook) send(body []byte) {
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		err := w.post(body)
		if err == nil {
			return
		}
		if attempt == w.attempts {
			w.log.Warn("alerts: webhook failed, alert dropped", "url", w.url, "attempts", attempt, "error", err)
			return
		}
		select {
		case <-w.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
}

type statusError int

func (e statusError) Error() string { return "webhook answered " + http.StatusText(int(e)) }

func (w *Webhook) post(body []byte) error {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "openstream-alerts")
	res, err := w.client.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return statusError(res.StatusCode)
	}
	return nil
}
