// Package mediatest runs a real S3 protocol server on loopback for tests:
// gofakes3 in memory behind httptest, plus the bucket policy calls gofakes3
// lacks and a switch that makes object writes fail.
package mediatest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/openstream-go/openstream/media"
)

// Server is a running fake S3.
type Server struct {
	URL     string
	Backend *s3mem.Backend
	// FailWrites makes every object write answer 500 while set.
	FailWrites atomic.Bool

	fake http.Handler

	mu         sync.Mutex
	policies   map[string]string
	policyPuts int
}

// Start runs a server until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := New()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// New returns a server that is not listening yet: serve it with net/http
// (s3server runs it as a process of its own) and set URL.
func New() *Server {
	s := &Server{Backend: s3mem.New(), policies: map[string]string{}}
	s.fake = gofakes3.New(s.Backend).Server()
	return s
}

// ServeHTTP answers the S3 protocol, with bucket policies and the write
// failure switch in front of gofakes3.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Query().Has("policy"):
		s.policy(w, r, bucket)
	case key != "" && s.FailWrites.Load() && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		_, _ = io.Copy(io.Discard, r.Body)
		xmlError(w, http.StatusInternalServerError, "InternalError", "injected write failure")
	default:
		s.fake.ServeHTTP(w, r)
	}
}

func (s *Server) policy(w http.ResponseWriter, r *http.Request, bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		p, ok := s.policies[bucket]
		if !ok {
			xmlError(w, http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
			return
		}
		_, _ = io.WriteString(w, p)
	case http.MethodPut:
		body, _ := io.ReadAll(r.Body)
		s.policies[bucket] = string(body)
		s.policyPuts++
		w.WriteHeader(http.StatusNoContent)
	default:
		xmlError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
	}
}

func xmlError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>`+msg+`</Message></Error>`)
}

// Policy is the bucket's stored policy and how many times one was set.
func (s *Server) Policy(bucket string) (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policies[bucket], s.policyPuts
}

// Keys lists the bucket's object keys.
func (s *Server) Keys(t testing.TB, bucket string) []string {
	t.Helper()
	list, err := s.Backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}

// Env is the environment of upstream's dev compose pointed at this server.
func (s *Server) Env(bucket string) func(string) string {
	env := map[string]string{
		"AWS_S3_KEY": "minio", "AWS_S3_SECRET": "minio-secret", "AWS_S3_BUCKET": bucket,
		"AWS_S3_ENDPOINT_URL": s.URL,
	}
	return func(k string) string { return env[k] }
}

// Config is media's configuration for this server.
func (s *Server) Config(bucket string) media.Config {
	return media.ConfigFromEnv(s.Env(bucket))
}
