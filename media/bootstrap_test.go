package media_test

import (
	"context"
	"testing"

	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
)

// TestEnsureBucket creates the bucket and its read policy once; later runs
// change nothing, and an existing bucket only gets the missing policy.
func TestEnsureBucket(t *testing.T) {
	srv := mediatest.Start(t)
	ctx := context.Background()
	cfg := *srv.Config("infoscreen").S3
	steps := []struct {
		name   string
		want   media.Created
		policy int
	}{
		{"first start", media.Created{Bucket: true, Policy: true}, 1},
		{"second start", media.Created{}, 1},
		{"third start", media.Created{}, 1},
	}
	for _, s := range steps {
		got, err := media.EnsureBucket(ctx, cfg)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		policy, puts := srv.Policy("infoscreen")
		if got != s.want || puts != s.policy || policy != media.ReadPolicy("infoscreen") {
			t.Fatalf("%s: created %+v (want %+v), %d policy writes (want %d), policy %s", s.name, got, s.want, puts, s.policy, policy)
		}
	}
	if err := srv.Backend.CreateBucket("made-by-hand"); err != nil {
		t.Fatal(err)
	}
	cfg.Bucket = "made-by-hand"
	got, err := media.EnsureBucket(ctx, cfg)
	if err != nil || got != (media.Created{Policy: true}) {
		t.Fatalf("existing bucket: %+v, %v", got, err)
	}
}

// TestEnsureBucketUnreachable reports an endpoint that does not answer.
func TestEnsureBucketUnreachable(t *testing.T) {
	cfg := media.S3{Bucket: "b", Region: "us-east-1", Endpoint: "http://127.0.0.1:1", AccessKey: "k", Secret: "s", PathStyle: true}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := media.EnsureBucket(ctx, cfg); err == nil {
		t.Fatal("no error for an unreachable endpoint")
	}
}
