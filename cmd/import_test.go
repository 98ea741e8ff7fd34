package cmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// runAsProgram lets the test binary stand in for the openstream binary,
// so crash tests can kill a real import process.
const runAsProgram = "OPENSTREAM_TEST_RUN_CMD"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProgram) == "1" {
		os.Args = append([]string{"openstream"}, os.Args[1:]...)
		if err := Run(fstest.MapFS{}); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runImportCmd(t *testing.T, app core.App, args ...string) (string, error) {
	t.Helper()
	c := newImportCommand(app)
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&out)
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

const sharedFixture = "../pgsync/importer/testdata/openstream-dev-data.json"

func TestImportFixtureCommand(t *testing.T) {
	app := testapp.New(t)
	steps := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{[]string{"fixture", sharedFixture, "--dry-run"}, []string{"would change (dry run, nothing written)", "app_customcolor"}, ""},
		{[]string{"fixture", sharedFixture}, []string{"app_customcolor", "79", "skipped admin_logentry: not an OpenStream table", "done: 162 records changed"}, ""},
		{[]string{"fixture", sharedFixture}, []string{"done: 0 records changed"}, ""},
		{[]string{"fixture", "missing.json"}, nil, "no such file"},
		{[]string{"postgres"}, nil, `required flag(s) "dsn" not set`},
	}
	for i, st := range steps {
		out, err := runImportCmd(t, app, st.args...)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("step %d: error %v, want %q", i, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v\n%s", i, err, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Fatalf("step %d %v: want %q in:\n%s", i, st.args, w, out)
			}
		}
		if i == 0 {
			if n, _ := app.CountRecords(collections.CustomColors); n != 0 {
				t.Fatalf("dry run wrote %d colours", n)
			}
		}
	}
}

// writeSyntheticFixture writes a dump of branches and tags.
func writeSyntheticFixture(t *testing.T, branches, tags int) string {
	t.Helper()
	objs := []map[string]any{
		{"model": "app.organisation", "pk": 1, "fields": map[string]any{"name": "Synthetic"}},
		{"model": "app.suborganisation", "pk": 1, "fields": map[string]any{"name": "Sub", "organisation": 1}},
	}
	for i := 1; i <= branches; i++ {
		objs = append(objs, map[string]any{"model": "app.branch", "pk": i, "fields": map[string]any{"name": fmt.Sprint("b", i), "suborganisation": 1}})
	}
	for i := 1; i <= tags; i++ {
		objs = append(objs, map[string]any{"model": "app.tag", "pk": i, "fields": map[string]any{"name": fmt.Sprint("tag-", i), "organisation": 1}})
	}
	b, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dump.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Crash safety: the import process is killed mid-way; the next run
// completes it, and no record is half-written (every branch has its key).
func TestImportSurvivesKill(t *testing.T) {
	const branches, tags = 100, 2000
	dump := writeSyntheticFixture(t, branches, tags)
	data := filepath.Join(t.TempDir(), "pb_data")
	args := []string{"import", "fixture", dump, "--batch-size", "50", "--dir", data}

	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runAsProgram+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill as soon as a tenth of the tags is committed: the other nine
	// tenths take far longer than reading one line.
	lines := bufio.NewScanner(stderr)
	killed := false
	for lines.Scan() {
		var done, total int
		if _, err := fmt.Sscanf(lines.Text(), "app_tag %d/%d", &done, &total); err == nil && done > 0 && done < total {
			_ = cmd.Process.Kill()
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatal("the import ended before it could be killed")
	}
	partial := countTags(t, data)
	if partial == 0 || partial >= tags || partial%50 != 0 {
		t.Fatalf("after the kill %d tags exist, want a whole number of batches between 0 and %d", partial, tags)
	}

	rerun := exec.Command(os.Args[0], args...)
	rerun.Env = append(os.Environ(), runAsProgram+"=1")
	out, err := rerun.CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("done: %d records changed", tags-partial); !strings.Contains(string(out), want) {
		t.Fatalf("second run: want %q in:\n%s", want, out)
	}
	if n := countTags(t, data); n != tags {
		t.Fatalf("%d tags after the second run, want %d", n, tags)
	}
	app := openData(t, data)
	keys, err := app.CountRecords(collections.BranchAPIKeys)
	if err != nil || keys != branches {
		t.Fatalf("%d API keys for %d branches (%v)", keys, branches, err)
	}
}

func countTags(t *testing.T, data string) int {
	t.Helper()
	n, err := openData(t, data).CountRecords(collections.Tags)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// openData opens a data dir written by a subprocess, read-only in spirit.
func openData(t *testing.T, data string) core.App {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: data})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.ClearBootstrap() })
	return app
}
