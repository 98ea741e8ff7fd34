// Package testenv hands tests the real services the test command provides.
// A test that needs one fails, never skips, when it is missing: a green run
// must mean the code was exercised against the real thing.
package testenv

import (
	"os"
	"testing"
)

// Variables the test command (scripts/test.sh) exports.
const (
	PostgresURLVar = "OPENSTREAM_TEST_POSTGRES_URL"
	RedisURLVar    = "OPENSTREAM_TEST_REDIS_URL"
)

// PostgresURL is the connection URL of the test PostgreSQL server.
func PostgresURL(t testing.TB) string { return require(t, PostgresURLVar) }

// RedisURL is the URL of the test Redis server.
func RedisURL(t testing.TB) string { return require(t, RedisURLVar) }

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL and Redis", name)
	}
	return v
}
