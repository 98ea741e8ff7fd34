package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testio"
)

// The binaries under test, built once for the package by TestMain.
var bin struct{ openstream, s3server string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "openstream-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.openstream = filepath.Join(dir, "openstream")
	bin.s3server = filepath.Join(dir, "s3server")
	for out, pkg := range map[string]string{bin.openstream: ".", bin.s3server: "./media/mediatest/s3server"} {
		if err := build(out, pkg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles pkg of the module with the race detector when this test
// runs with it: the server then reports its own data races, and the
// compiled packages come from the cache `go test -race` already filled.
func build(out, pkg string) error {
	args := append([]string{"build", "-o", out}, raceFlags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = "../.." // the module root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

// process is a program the test started and stops when it ends.
type process = testio.Process

func start(t *testing.T, name string, cmd *exec.Cmd) *process { return testio.Start(t, name, cmd) }

// errorLines are the lines of the process's output that report an error.
func errorLines(p *process) []string {
	var bad []string
	sc := bufio.NewScanner(strings.NewReader(p.Logs.String()))
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, "ERROR") || strings.Contains(l, "panic") || strings.Contains(l, "DATA RACE") {
			bad = append(bad, l)
		}
	}
	return bad
}

// startS3 runs the S3 protocol server as a process of its own and returns
// its URL.
func startS3(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(bin.s3server)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("s3server: %v", err)
	}
	return strings.TrimSpace(line)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHealthy waits until base answers /api/health, or the process ends.
func waitHealthy(t *testing.T, p *process, base string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // bounds a start that hangs; an exit fails at once
	for {
		res, err := http.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.Done():
			t.Fatalf("%s ended before it answered:\n%s", p.Name, p.Logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /api/health: %v", p.Name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// response is one recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// id is the "id" of a JSON answer as a string, whether number or string.
func (r response) id(t *testing.T) string {
	t.Helper()
	raw, _ := json.Marshal(r.json(t)["id"])
	return strings.Trim(string(raw), `"`)
}

// request is what a client sends: a JSON body (any value, or a
// preformatted body with its content type) and headers.
type request struct {
	method, url string
	body        any
	contentType string
	headers     map[string]string
}

// do sends req and fails the test on any status other than want, and on
// every 5xx whatever was wanted.
func do(t *testing.T, req request, want int) response {
	t.Helper()
	var reader io.Reader
	ct := req.contentType
	switch b := req.body.(type) {
	case nil:
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader, ct = bytes.NewReader(raw), "application/json"
	}
	hr, err := http.NewRequest(req.method, req.url, reader)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range req.headers {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 || res.StatusCode != want {
		t.Fatalf("%s %s answered %d, want %d: %s", req.method, req.url, res.StatusCode, want, body)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// bearer is the Authorization header of an access token.
func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// nextContent reads the screen's content messages until one satisfies ok
// and returns it; rttest bounds every read.
func nextContent(t *testing.T, s *rttest.Client, what string, ok func(data string) bool) map[string]any {
	t.Helper()
	for {
		m := s.Next()
		if m["type"] != "content" {
			if m["code"] != nil {
				t.Fatalf("waiting for %s, the screen got %v", what, m)
			}
			continue
		}
		raw, _ := json.Marshal(m["data"])
		if ok(string(raw)) {
			return m
		}
	}
}

// contains is a content predicate.
func contains(parts ...string) func(string) bool {
	return func(data string) bool {
		for _, p := range parts {
			if !strings.Contains(data, p) {
				return false
			}
		}
		return true
	}
}

// canonical re-encodes JSON so two bodies compare by value.
func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %s", raw)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
