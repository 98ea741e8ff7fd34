// Package testenv hands tests the real services the test command provides.
// A test that needs one fails, never skips, when it is missing: a green run
// must mean the code was exercised against the real thing.
package testenv

import (
	"context"
	"crypto/rand"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
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

// Redis is a client of the test Redis server and a key prefix of the
// test's own ("openstream-test-<random>:"); every key under the prefix is
// deleted, and the client closed, when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	prefix := "openstream-test-" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		for it := client.Scan(ctx, 0, prefix+"*", 1000).Iterator(); it.Next(ctx); {
			client.Del(ctx, it.Val())
		}
		_ = client.Close()
	})
	return client, prefix
}

// RedisDeployment points the code the test wires from the environment at
// the test Redis (REDIS_URL) under a prefix of the test's own
// (REDIS_PREFIX), through t.Setenv: what it keeps in Redis is the test's
// alone, so reruns and parallel packages never share a count, and it is
// deleted at the end. It returns a client and the prefix.
func RedisDeployment(t testing.TB) (*redis.Client, string) {
	t.Helper()
	client, prefix := Redis(t)
	t.Setenv("REDIS_URL", RedisURL(t))
	t.Setenv("REDIS_PREFIX", prefix)
	return client, prefix
}

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL and Redis", name)
	}
	return v
}
