package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/testio"
)

func TestShellcheck(t *testing.T) {
	shellcheck := requireTool(t, "shellcheck", "shellcheck")
	var scripts []string
	for _, pattern := range []string{"docker/*.sh", "dev-environment/postgres-init/*.sh"} {
		found, err := filepath.Glob(repoPath(pattern))
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Fatalf("no scripts match %s", pattern)
		}
		scripts = append(scripts, found...)
	}
	out, err := exec.Command(shellcheck, append([]string{"--shell=sh", "--severity=style"}, scripts...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck %v: %v\n%s", scripts, err, out)
	}
	for _, s := range scripts {
		if info, err := os.Stat(s); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
	}
}

// fakeProgram writes a stand-in for openstream that appends one line per
// call to its log: the arguments, each in brackets. `migrate` exits with
// $FAKE_MIGRATE_EXIT; `serve` with $FAKE_SERVE_EXIT, or it stays up (like
// the server) when FAKE_SERVE_BLOCKS is set.
func fakeProgram(t *testing.T) (prog, log string) {
	t.Helper()
	dir := t.TempDir()
	prog, log = filepath.Join(dir, "openstream"), filepath.Join(dir, "calls.log")
	script := `#!/bin/sh
line=""
for a; do line="$line[$a]"; done
echo "$line" >> "` + log + `"
case $1 in
migrate) exit "${FAKE_MIGRATE_EXIT:-0}" ;;
serve)
	if [ -n "${FAKE_SERVE_BLOCKS:-}" ]; then
		trap 'echo "[stopped]" >> "` + log + `"; exit 0' TERM
		while :; do sleep 1; done
	fi
	exit "${FAKE_SERVE_EXIT:-0}" ;;
esac
exit 0
`
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return prog, log
}

func calls(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// entrypointShells are the shells the entrypoint runs under: the image's
// busybox ash, and the system's sh (dash on Debian).
func entrypointShells(t *testing.T) [][]string {
	t.Helper()
	return [][]string{
		{requireTool(t, "sh", "dash")},
		{requireTool(t, "busybox", "busybox"), "sh"},
	}
}

func TestEntrypoint(t *testing.T) {
	script, err := filepath.Abs(repoPath("docker", "entrypoint.sh"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		env       []string
		wantCalls []string
		wantExit  int
		// refused: migrate failed, so serve was not started (one more line).
		refused bool
	}{
		{
			name:      "no arguments: migrate, then serve",
			wantCalls: []string{"[migrate][up]", "[serve]"},
		},
		{
			name:      "serve's flags, the data flags also to migrate",
			args:      []string{"serve", "--http", "0.0.0.0:9000", "--dir", "/data dir", "--dev", "--encryptionEnv=PB_KEY", "example.com"},
			wantCalls: []string{"[migrate][up][--dir][/data dir][--dev][--encryptionEnv=PB_KEY]", "[serve][--http][0.0.0.0:9000][--dir][/data dir][--dev][--encryptionEnv=PB_KEY][example.com]"},
		},
		{
			name:      "--dir=",
			args:      []string{"serve", "--dir=/srv/pb", "--dev=false"},
			wantCalls: []string{"[migrate][up][--dir=/srv/pb][--dev=false]", "[serve][--dir=/srv/pb][--dev=false]"},
		},
		{
			name:      "only flags: serve with them",
			args:      []string{"--http=0.0.0.0:8001", "--dir", "/pb"},
			wantCalls: []string{"[migrate][up][--dir][/pb]", "[serve][--http=0.0.0.0:8001][--dir][/pb]"},
		},
		{
			name:      "after -- nothing is a flag of migrate",
			args:      []string{"serve", "--", "--dir", "x"},
			wantCalls: []string{"[migrate][up]", "[serve][--][--dir][x]"},
		},
		{
			name:      "a failing migrate stops before serve, with its exit code",
			args:      []string{"serve", "--dir", "/pb"},
			env:       []string{"FAKE_MIGRATE_EXIT=3"},
			wantCalls: []string{"[migrate][up][--dir][/pb]"},
			wantExit:  3,
			refused:   true,
		},
		{
			name:      "serve's exit code is the container's",
			env:       []string{"FAKE_SERVE_EXIT=5"},
			wantCalls: []string{"[migrate][up]", "[serve]"},
			wantExit:  5,
		},
		{
			name:      "other commands run as they are, without migrating",
			args:      []string{"import", "fixture", "/fixtures/dev data.json", "--dry-run"},
			wantCalls: []string{"[import][fixture][/fixtures/dev data.json][--dry-run]"},
		},
		{
			name:      "migrate itself",
			args:      []string{"migrate", "down", "1"},
			wantCalls: []string{"[migrate][down][1]"},
		},
		{
			name:      "an operator command's exit code",
			args:      []string{"migrate", "up"},
			env:       []string{"FAKE_MIGRATE_EXIT=4"},
			wantCalls: []string{"[migrate][up]"},
			wantExit:  4,
		},
	}
	for _, shell := range entrypointShells(t) {
		for _, tt := range tests {
			t.Run(filepath.Base(shell[0])+"/"+tt.name, func(t *testing.T) {
				prog, log := fakeProgram(t)
				cmd := exec.Command(shell[0], append(append(shell[1:], script), tt.args...)...)
				cmd.Env = append(append(os.Environ(), "OPENSTREAM="+prog), tt.env...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				exit := 0
				var exitErr *exec.ExitError
				if errors.As(err, &exitErr) {
					exit = exitErr.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if exit != tt.wantExit {
					t.Errorf("exit %d, want %d\n%s", exit, tt.wantExit, stderr.String())
				}
				if got := calls(t, log); !slices.Equal(got, tt.wantCalls) {
					t.Errorf("calls\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
				}
				// A line before each step, so `docker logs` tells them apart.
				wantLines := len(tt.wantCalls)
				if tt.refused {
					wantLines++
				}
				if lines := strings.Count(stderr.String(), "entrypoint: "); lines != wantLines {
					t.Errorf("%d lines on stderr, want %d:\n%s", lines, wantLines, stderr.String())
				}
			})
		}
	}
	t.Run("the program defaults to openstream on PATH", func(t *testing.T) {
		prog, log := fakeProgram(t)
		cmd := exec.Command("sh", script, "superuser", "upsert", "a@example.com", "pw")
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(prog)+":"+os.Getenv("PATH"), "OPENSTREAM=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if got := calls(t, log); !slices.Equal(got, []string{"[superuser][upsert][a@example.com][pw]"}) {
			t.Errorf("calls %v", got)
		}
	})
}

// devServe is docker/dev-serve.sh running in a tiny source tree with a fake
// `go` that "builds" the fake program.
type devServe struct {
	t        *testing.T
	src, log string
	cmd      *exec.Cmd
	out      *testio.Buffer
}

// startDevServe runs the loop; watch is inotify, poll, or broken-inotify
// (inotify with an inotifywait that fails, as on a host whose inotify watch
// limit is too low).
func startDevServe(t *testing.T, watch string) *devServe {
	t.Helper()
	script, err := filepath.Abs(repoPath("docker", "dev-serve.sh"))
	if err != nil {
		t.Fatal(err)
	}
	prog, log := fakeProgram(t)
	tools := t.TempDir()
	// go build -o BIN . copies the fake program to BIN, or fails while the
	// tree has a file named BROKEN.
	goScript := `#!/bin/sh
echo "[go][$1]" >> "` + log + `"
[ -e BROKEN ] && { echo "syntax error" >&2; exit 1; }
cp "` + prog + `" "$3"
`
	if err := os.WriteFile(filepath.Join(tools, "go"), []byte(goScript), 0o755); err != nil {
		t.Fatal(err)
	}
	if w, ok := strings.CutPrefix(watch, "broken-"); ok {
		watch = w
		broken := "#!/bin/sh\necho 'Failed to watch; upper limit on inotify watches reached!' >&2\nexit 1\n"
		if err := os.WriteFile(filepath.Join(tools, "inotifywait"), []byte(broken), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := t.TempDir()
	for name, content := range map[string]string{"go.mod": "module x\n", "main.go": "package main\n", "pb_public/index.html": "<p>\n"} {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := &testio.Buffer{}
	cmd := exec.Command("sh", script, "--http", "0.0.0.0:8000")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "PATH="+tools+":"+os.Getenv("PATH"), "OPENSTREAM_DEV_BIN="+filepath.Join(t.TempDir(), "openstream"),
		"OPENSTREAM_DEV_WATCH="+watch, "FAKE_SERVE_BLOCKS=1")
	cmd.Stdout, cmd.Stderr = out, out
	// A failed test kills the loop; the fake server it started may still
	// hold the output open, which must not hang the package until its timeout.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &devServe{t: t, src: src, log: log, cmd: cmd, out: out}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return d
}

// waitCalls waits until the fake's log is want.
func (d *devServe) waitCalls(want ...string) {
	d.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := calls(d.t, d.log)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("calls\n%s\nwant\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *devServe) write(name, content string) {
	d.t.Helper()
	if err := os.WriteFile(filepath.Join(d.src, name), []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func TestDevServe(t *testing.T) {
	for _, watch := range []string{"inotify", "poll", "broken-inotify"} {
		t.Run(watch, func(t *testing.T) {
			t.Parallel()
			if watch == "inotify" {
				requireTool(t, "inotifywait", "inotify-tools")
			}
			d := startDevServe(t, watch)
			build := "[go][build]"
			run := []string{build, "[migrate][up]", "[serve][--http][0.0.0.0:8000]"}
			d.waitCalls(run...)

			// A Go change: build again, stop the server, migrate and serve again.
			d.write("main.go", "package main // changed\n")
			want := append(slices.Clone(run), "[stopped]")
			want = append(want, run...)
			d.waitCalls(want...)

			// A broken build stops the server and waits; the fix brings it back.
			d.write("BROKEN", "")
			d.write("go.mod", "module x // broken\n")
			want = append(want, "[stopped]", build)
			d.waitCalls(want...)
			if err := os.Remove(filepath.Join(d.src, "BROKEN")); err != nil {
				t.Fatal(err)
			}
			d.write("new.go", "package main\n")
			want = append(want, run...)
			d.waitCalls(want...)

			// Static files are read from disk: no rebuild for them. Then a
			// Go change proves the loop was still watching.
			d.write("pb_public/index.html", "<p>changed\n")
			d.write("main.go", "package main // again\n")
			want = append(want, "[stopped]")
			want = append(want, run...)
			d.waitCalls(want...)

			// A change that keeps an old modification time (as one written
			// in the clock tick its build started in has the build's) is
			// still a change.
			mainGo := filepath.Join(d.src, "main.go")
			info, err := os.Stat(mainGo)
			if err != nil {
				t.Fatal(err)
			}
			d.write("main.go", "package main // same tick\n")
			if err := os.Chtimes(mainGo, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
			want = append(want, "[stopped]")
			want = append(want, run...)
			d.waitCalls(want...)

			// docker stop: TERM stops the server and the loop at once.
			if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := d.cmd.Wait(); err != nil {
				t.Errorf("dev-serve ended with %v\n%s", err, d.out.String())
			}
			d.waitCalls(append(want, "[stopped]")...)
			if watch == "broken-inotify" && !strings.Contains(d.out.String(), "inotifywait failed, polling instead") {
				t.Errorf("no word of the fallback:\n%s", d.out.String())
			}
		})
	}
}
