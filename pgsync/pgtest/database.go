// Package pgtest gives pgsync's tests their own Postgres databases on the
// test server (internal/testenv), so packages can run tests in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openstream-go/openstream/internal/testenv"
)

// Database creates an empty database, dropped when t ends, and returns
// its URL.
func Database(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "pgsync_test_" + hex.EncodeToString(b)
	admin := connect(t, base)
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Connect opens a connection closed when t ends.
func Connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	c := connect(t, dsn)
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WithHost returns dsn pointing at another host:port (a proxy).
func WithHost(t testing.TB, dsn, hostport string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = hostport
	return u.String()
}

// Eventually polls cond until it holds or the generous deadline passes;
// tests wait for conditions, never for fixed times.
func Eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached: %s", what, detail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
