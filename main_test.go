package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testio"
)

// runAsProgram lets the test binary stand in for the openstream binary, so
// the CLI is tested exactly as operators run it without a second build.
const runAsProgram = "OPENSTREAM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProgram) == "1" {
		os.Args = append([]string{"openstream"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openstream runs the program with args in dir and returns its output.
func openstream(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	return openstreamWithInput(t, dir, env, "", args...)
}

// openstreamWithInput also answers the program's prompts with stdin.
func openstreamWithInput(t *testing.T, dir string, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(append(os.Environ(), runAsProgram+"=1"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestServeDefaultsToPort8000(t *testing.T) {
	t.Parallel()
	out, err := openstream(t, t.TempDir(), nil, "serve", "--help")
	if err != nil || !strings.Contains(out, `(default "0.0.0.0:8000")`) {
		t.Fatalf("serve --help does not show the 0.0.0.0:8000 default (%v):\n%s", err, out)
	}
	out, err = openstream(t, t.TempDir(), []string{"OPENSTREAM_HTTP=127.0.0.1:9999"}, "serve", "--help")
	if err != nil || !strings.Contains(out, `(default "127.0.0.1:9999")`) {
		t.Fatalf("OPENSTREAM_HTTP is not the default (%v):\n%s", err, out)
	}
}

func TestServeAnswersHealth(t *testing.T) {
	t.Parallel()
	addr := startServer(t, t.TempDir()+"/pb_data")
	res, err := http.Get("http://" + addr + "/_/")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("dashboard: %v %v", res, err)
	}
	res.Body.Close()
}

// startServer runs `openstream serve` on data with env, on a free address
// (another when that one was taken first), until the test ends,
// and returns the address once /api/health answers 200.
func startServer(t *testing.T, data string, env ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		cmd := exec.Command(os.Args[0], "serve", "--dir", data)
		// An empty working directory: no ./pb_public to fall back on.
		cmd.Dir = t.TempDir()
		// The live-event listener takes a free port: several servers may run.
		cmd.Env = append(append(os.Environ(), runAsProgram+"=1", "OPENSTREAM_HTTP="+addr, "OPENSTREAM_EVENTS_ADDR=127.0.0.1:0"), env...)
		if _, taken := tryUntilHealthy(t, cmd, addr); !taken {
			return addr
		}
		if attempt == 3 {
			t.Fatalf("three free addresses were taken before the server listened")
		}
	}
}

// runUntilHealthy starts cmd, ends it when the test ends, and returns its
// output so far once addr's /api/health answers 200.
func runUntilHealthy(t *testing.T, cmd *exec.Cmd, addr string) *testio.Buffer {
	t.Helper()
	logs, taken := tryUntilHealthy(t, cmd, addr)
	if taken {
		t.Fatalf("%s was taken by another listener before the server listened:\n%s", addr, logs)
	}
	return logs
}

// tryUntilHealthy is runUntilHealthy, except that it reports (taken) a
// server that ended because its address was in use. freeAddr's address is
// free only until another listener on port 0 gets it: the server's own
// live-event listener, which binds before the HTTP server does, got it
// once, and answered the health check with 404.
func tryUntilHealthy(t *testing.T, cmd *exec.Cmd, addr string) (logs *testio.Buffer, taken bool) {
	t.Helper()
	logs = &testio.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			// What the server saw is half of every failure's story.
			t.Logf("output of %s:\n%s", strings.Join(cmd.Args, " "), logs)
		}
	})

	// Wait until it listens or ends. A start that migrates a new data dir
	// under the race detector, beside a whole test run, can take minutes;
	// the deadline only bounds a start that hangs.
	deadline := time.Now().Add(5 * time.Minute)
	// A status other than 200 may be another listener's, until ours ends
	// (a start that migrates under the race detector can take minutes).
	other := 0
	for {
		res, err := http.Get("http://" + addr + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return logs, false
			}
			other = res.StatusCode
		}
		select {
		case <-exited:
			if strings.Contains(logs.String(), "address already in use") {
				return logs, true
			}
			t.Fatalf("the server ended before it answered (%v)", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer 200 (last status %d): %v", other, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A server whose address another listener took first (here one that
// answers the health check with 404, as a live-event listener does) is
// reported as taken, not as a failed start, so startServer tries again.
func TestTakenAddressIsReported(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	other := &http.Server{Handler: http.NotFoundHandler()}
	go func() { _ = other.Serve(l) }()
	t.Cleanup(func() { _ = other.Close() })
	addr := l.Addr().String()
	cmd := exec.Command(os.Args[0], "serve", "--dir", migratedData(t))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), runAsProgram+"=1", "OPENSTREAM_HTTP="+addr, "OPENSTREAM_EVENTS_ADDR=off")
	if _, taken := tryUntilHealthy(t, cmd, addr); !taken {
		t.Fatal("a server on a taken address was not reported as taken")
	}
}

func TestMigrateAndCreateOrganisationCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := "--dir=" + dir + "/pb_data"
	steps := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"migrate", "up", data}, "", "Applied 1764201600_collections.go"},
		// Every migration after the first, the newest first, the rules last.
		{[]string{"migrate", "down", strconv.Itoa(len(core.AppMigrations.Items()) - 1), data}, "y\n", "Reverted 1764288000_api_rules.go"},
		{[]string{"migrate", "down", "1", data}, "y\n", "Reverted 1764201600_collections.go"},
		{[]string{"migrate", "up", data}, "", "Applied 1764201600_collections.go"},
		{[]string{"create-organisation", "Brøndby Kommune", "brondby", data}, "", "done: 9 created, 0 already existed"},
		{[]string{"create-organisation", "Brøndby Kommune", "brondby", data}, "", "done: 0 created, 9 already existed"},
		{[]string{"create-organisation", "only-one-arg", data}, "", "accepts 2 arg(s)"},
	}
	for _, s := range steps {
		out, _ := openstreamWithInput(t, dir, nil, s.stdin, s.args...)
		if !strings.Contains(out, s.want) {
			t.Fatalf("openstream %s: want %q in output:\n%s", strings.Join(s.args, " "), s.want, out)
		}
	}
}

// migratedData is a data dir of the test's own, already migrated (a copy
// of the tests' template), so the program starts without running every
// migration under the race detector.
func migratedData(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "pb_data")
	testapp.CopyData(t, data)
	return data
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}
