package mirror

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/pgsync/outbox"
)

// Status is what `openstream pgsync status` reports.
type Status struct {
	Outbox              outbox.Stats
	Lag                 time.Duration
	LastError           string
	LastErrorAt         string
	LastErrorResolvedAt string // the worker's first success after LastError; "" while it is current
	LastAppliedAt       string
	AppliedTotal        int64
	Reachable           bool   // Postgres answered
	ReachError          string // why not
}

// ReadStatus gathers the backlog and the worker's last results from the
// data dir, and checks that Postgres answers (when url is not empty).
func ReadStatus(ctx context.Context, app core.App, url string) (Status, error) {
	if err := outbox.Ensure(app); err != nil {
		return Status{}, err
	}
	var s Status
	var err error
	if s.Outbox, err = outbox.Backlog(app); err != nil {
		return s, err
	}
	s.Lag = s.Outbox.Lag(time.Now())
	get := func(k string) string { v, _ := outbox.GetStatus(app, k); return v }
	s.LastError, s.LastErrorAt, s.LastAppliedAt = get(outbox.KeyLastError), get(outbox.KeyLastErrorAt), get(outbox.KeyLastAppliedAt)
	s.LastErrorResolvedAt = get(outbox.KeyLastErrorResolvedAt)
	s.AppliedTotal, _ = strconv.ParseInt(get(outbox.KeyAppliedTotal), 10, 64)
	if url == "" {
		return s, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, url)
	if err == nil {
		err = conn.Ping(cctx)
		_ = conn.Close(context.Background())
	}
	s.Reachable = err == nil
	if err != nil {
		s.ReachError = err.Error()
	}
	return s, nil
}

// ErrorText is the status command's "last error" line: "none", the error
// while it is current, or, once the worker has succeeded after it, since
// when there has been none and what the resolved error was.
func (s Status) ErrorText() string {
	switch {
	case s.LastError == "":
		return "none"
	case s.LastErrorResolvedAt == "":
		return fmt.Sprintf("%s (at %s)", s.LastError, s.LastErrorAt)
	}
	return fmt.Sprintf("none since %s; resolved: %s (occurred at %s)", s.LastErrorResolvedAt, s.LastError, s.LastErrorAt)
}
