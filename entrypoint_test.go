package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEntrypointMigratesThenServes runs the image's entrypoint
// (docker/entrypoint.sh) under sh with this program as openstream, on a
// fresh data directory: the migrations are applied, then serve answers.
func TestEntrypointMigratesThenServes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	program, calls := recordedProgram(t, dir)
	data, addr := filepath.Join(dir, "pb_data"), freeAddr(t)
	entrypoint, err := filepath.Abs("docker/entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("sh", entrypoint)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OPENSTREAM="+program, "OPENSTREAM_DATA_DIR="+data,
		"OPENSTREAM_HTTP="+addr, "OPENSTREAM_EVENTS_ADDR=off")
	logs := runUntilHealthy(t, cmd, addr)
	recorded, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(string(recorded)), "\n"); len(got) != 2 || got[0] != "migrate up" || got[1] != "serve" {
		t.Fatalf("calls %q, want migrate up, then serve\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "Applied 1764201600_collections.go") {
		t.Fatalf("migrate up applied nothing:\n%s", logs.String())
	}
	// The schema is in the data directory the entrypoint was given.
	if out, err := openstream(t, dir, nil, "migrate", "up", "--dir", data); err != nil || !strings.Contains(out, "No new migrations to apply.") {
		t.Fatalf("migrate up again: %v\n%s", err, out)
	}
}

// TestEntrypointStopsWhenMigrateFails: a data directory that cannot be
// created fails migrate, and serve never starts.
func TestEntrypointStopsWhenMigrateFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	program, calls := recordedProgram(t, dir)
	cmd := exec.Command("sh", "docker/entrypoint.sh", "--dir", filepath.Join(blocker, "pb_data"))
	cmd.Env = append(os.Environ(), "OPENSTREAM="+program, "OPENSTREAM_EVENTS_ADDR=off", "OPENSTREAM_HTTP="+freeAddr(t))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the entrypoint succeeded on an unusable data dir:\n%s", out)
	}
	recorded, _ := os.ReadFile(calls)
	if got := strings.TrimSpace(string(recorded)); !strings.HasPrefix(got, "migrate up --dir") || strings.Contains(got, "serve") {
		t.Fatalf("calls %q: serve must not start after a failed migrate\n%s", got, out)
	}
}

// recordedProgram writes dir/openstream, a script that appends its
// arguments to the returned calls file and then runs this program.
func recordedProgram(t *testing.T, dir string) (program, calls string) {
	t.Helper()
	calls, program = filepath.Join(dir, "calls"), filepath.Join(dir, "openstream")
	script := "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n" + runAsProgram + "=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(program, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return program, calls
}
