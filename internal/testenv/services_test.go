package testenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/testenv"
)

// The services every later package's tests rely on answer over TCP.
func TestPostgresAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testenv.PostgresURL(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE probe (id bigint PRIMARY KEY, name text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO probe VALUES ($1, $2)`, int64(1)<<53-1, "Brøndby"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM probe WHERE id = $1`, int64(1)<<53-1).Scan(&name); err != nil || name != "Brøndby" {
		t.Fatalf("round trip: %q %v", name, err)
	}
}

func TestRedisAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	key := "openstream:test:" + t.Name()
	if err := client.Set(ctx, key, "ok", time.Minute).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	defer client.Del(ctx, key)
	if got, err := client.Get(ctx, key).Result(); err != nil || got != "ok" {
		t.Fatalf("get: %q %v", got, err)
	}
	sub := client.Subscribe(ctx, key)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := client.Publish(ctx, key, "event").Err(); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil || msg.Payload != "event" {
		t.Fatalf("pub/sub: %v %v", msg, err)
	}
}
