// Package mirror drains the outbox into the upstream-shaped Postgres
// tables, and copies whole collections on demand (resync).
package mirror

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/schema"
)

// Mirror is the worker of one app. Zero durations and sizes take defaults.
type Mirror struct {
	App          core.App
	URL          string        // Postgres connection URL
	BatchSize    int           // outbox entries per Postgres transaction
	PollInterval time.Duration // how often to look for changes made by other processes
	MinBackoff   time.Duration // first wait after a failure
	MaxBackoff   time.Duration // longest wait between retries
	LogInterval  time.Duration // how often the backlog is logged while there is one

	wake    chan struct{}
	conn    *pgx.Conn
	lastLog time.Time
	failing bool
	// settled: the stored last error, if any, is known to be resolved.
	// False at start, so that the first success also resolves an error
	// an earlier process stored and never saw the end of.
	settled bool
}

// New returns a worker with the defaults filled in.
func New(app core.App, url string) *Mirror {
	return &Mirror{App: app, URL: url, BatchSize: 500, PollInterval: time.Second,
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second, LogInterval: 30 * time.Second,
		wake: make(chan struct{}, 1)}
}

// Notify wakes the worker (called after each committed change).
func (m *Mirror) Notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Mirror) log() *slog.Logger { return m.App.Logger().With("component", "pgsync") }

// Run drains the outbox until ctx ends, retrying failures with an
// exponential backoff. Nothing is acknowledged before Postgres committed
// it, so an outage only delays changes.
func (m *Mirror) Run(ctx context.Context) {
	defer m.close()
	backoff := m.MinBackoff
	for ctx.Err() == nil {
		idle, err := m.step(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			m.fail(err)
			m.sleep(ctx, backoff, false)
			backoff = min(backoff*2, m.MaxBackoff)
		case idle:
			backoff = m.MinBackoff
			m.sleep(ctx, m.PollInterval, true)
		default:
			backoff = m.MinBackoff
		}
	}
}

// step connects when needed and applies one batch; idle means the outbox
// was empty.
func (m *Mirror) step(ctx context.Context) (idle bool, err error) {
	if m.conn == nil {
		if err := m.connect(ctx); err != nil {
			return false, err
		}
	}
	entries, err := outbox.Next(m.App, m.BatchSize)
	if err != nil {
		return false, fmt.Errorf("read outbox: %w", err)
	}
	m.report(len(entries) > 0)
	if len(entries) == 0 {
		m.resolve() // connected, and nothing waits: caught up
		return true, nil
	}
	if err := m.applyBatch(ctx, entries); err != nil {
		m.close()
		return false, err
	}
	m.resolve()
	return false, nil
}

// connect opens the connection, creates or migrates the tables, and copies
// everything when this Postgres database has not seen this data dir yet.
func (m *Mirror) connect(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, m.URL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	m.conn = conn
	if err := schema.Ensure(ctx, conn); err != nil {
		m.close()
		return fmt.Errorf("create tables: %w", err)
	}
	if err := m.initialSync(ctx); err != nil {
		m.close()
		return fmt.Errorf("initial copy: %w", err)
	}
	if m.failing {
		m.failing = false
		m.log().Info("pgsync: Postgres is reachable again, catching up")
	}
	return nil
}

func (m *Mirror) close() {
	if m.conn != nil {
		_ = m.conn.Close(context.Background())
		m.conn = nil
	}
}

// fail records an error for the status command and the log.
func (m *Mirror) fail(err error) {
	now := time.Now().UTC()
	m.storeError(err.Error(), now)
	if !m.failing || now.Sub(m.lastLog) >= m.LogInterval {
		m.failing = true
		m.lastLog = now
		stats, _ := outbox.Backlog(m.App)
		m.log().Warn("pgsync: cannot write to Postgres, changes wait in the outbox",
			"error", err.Error(), "outbox", stats.Size, "lag", stats.Lag(now).Round(time.Millisecond).String())
	}
}

// storeError keeps msg as the last error for the status command, which
// runs in another process and only sees the database: current until
// resolve marks it resolved.
func (m *Mirror) storeError(msg string, at time.Time) {
	m.settled = false
	_ = outbox.SetStatus(m.App, map[string]string{
		outbox.KeyLastError:           msg,
		outbox.KeyLastErrorAt:         at.Format(time.RFC3339),
		outbox.KeyLastErrorResolvedAt: "",
	})
}

// resolve runs after each success (a batch applied, or nothing to apply)
// and marks the stored last error resolved, once: the status command then
// shows it as past instead of as the mirror's state. A record skipped in
// the batch counts as resolved too: the mirror went on past it, and the
// log keeps it.
func (m *Mirror) resolve() {
	if m.settled {
		return
	}
	errAt, err := outbox.GetStatus(m.App, outbox.KeyLastErrorAt)
	if err != nil {
		return // try again after the next success
	}
	resolved, err := outbox.GetStatus(m.App, outbox.KeyLastErrorResolvedAt)
	if err != nil {
		return
	}
	if errAt != "" && resolved == "" {
		now := time.Now().UTC().Format(time.RFC3339)
		if err := outbox.SetStatus(m.App, map[string]string{outbox.KeyLastErrorResolvedAt: now}); err != nil {
			return
		}
	}
	m.settled = true
}

// report logs the backlog now and then while there is one.
func (m *Mirror) report(busy bool) {
	now := time.Now()
	if !busy || now.Sub(m.lastLog) < m.LogInterval {
		return
	}
	m.lastLog = now
	stats, err := outbox.Backlog(m.App)
	if err == nil {
		m.log().Info("pgsync: mirroring", "outbox", stats.Size, "lag", stats.Lag(now).Round(time.Millisecond).String())
	}
}

// sleep waits d, or less when woken (if wakeable) or cancelled.
func (m *Mirror) sleep(ctx context.Context, d time.Duration, wakeable bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake chan struct{}
	if wakeable {
		wake = m.wake
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// applyBatch writes one batch in one Postgres transaction, then removes it
// from the outbox. A crash in between only means it is applied twice.
func (m *Mirror) applyBatch(ctx context.Context, entries []outbox.Entry) error {
	changes := group(entries)
	err := inWriteTx(ctx, m.conn, func(tx pgx.Tx) error {
		for _, c := range changes {
			if _, _, err := applyState(ctx, m.App, tx, c.table, c.ids); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && isDataError(err) {
		// One row Postgres refuses must not hold back every later change.
		err = m.applyOneByOne(ctx, changes)
	}
	if err != nil {
		return err
	}
	last := entries[len(entries)-1].Seq
	return m.App.RunInTransaction(func(tx core.App) error {
		if err := outbox.Ack(tx, last); err != nil {
			return err
		}
		total, _ := outbox.GetStatus(tx, outbox.KeyAppliedTotal)
		n, _ := strconv.ParseInt(total, 10, 64)
		return outbox.SetStatus(tx, map[string]string{
			outbox.KeyLastAppliedAt: time.Now().UTC().Format(time.RFC3339),
			outbox.KeyAppliedTotal:  strconv.FormatInt(n+int64(len(entries)), 10),
		})
	})
}

// applyOneByOne retries a refused batch record by record, logging and
// skipping the records Postgres refuses.
func (m *Mirror) applyOneByOne(ctx context.Context, changes []change) error {
	for _, c := range changes {
		for _, id := range c.ids {
			err := inWriteTx(ctx, m.conn, func(tx pgx.Tx) error {
				_, _, err := applyState(ctx, m.App, tx, c.table, []string{id})
				return err
			})
			if err == nil {
				continue
			}
			if !isDataError(err) {
				return err
			}
			m.log().Error("pgsync: Postgres refused a record; skipped", "collection", c.table.Collection, "id", id, "error", err.Error())
			m.storeError(fmt.Sprintf("skipped %s %s: %v", c.table.Collection, id, err), time.Now().UTC())
		}
	}
	return nil
}
