package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/pgsync/pgtest"
)

func runPgsync(t *testing.T, app core.App, cfg pgsync.Config, args ...string) (string, error) {
	t.Helper()
	c := pgsyncCommand(app, cfg)
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&out)
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

func TestPgsyncCommands(t *testing.T) {
	app := testapp.New(t)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		r, err := collections.NewRecord(app, collections.Tags)
		if err != nil {
			t.Fatal(err)
		}
		r.Set("name", name)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	dsn := pgtest.Database(t)
	on := pgsync.Config{URL: dsn}
	steps := []struct {
		name    string
		cfg     pgsync.Config
		args    []string
		want    []string
		wantErr string
		before  string // SQL run on the mirror first
	}{
		{"status when off", pgsync.Config{}, []string{"status"}, []string{"mirror:      off", "outbox:      0 changes waiting", "last error:  none"}, "", ""},
		{"status when on", on, []string{"status"}, []string{"postgres:    reachable", "applied:     0 changes, last at never"}, "", ""},
		{"status when unreachable", pgsync.Config{URL: "postgres://x:y@127.0.0.1:1/db?connect_timeout=2"}, []string{"status"}, []string{"postgres:    unreachable"}, "", ""},
		{"full resync", on, []string{"resync"}, []string{"app_tag (tags)", "3 records, 0 stale rows deleted", "done: 28 tables"}, "", ""},
		{"one collection, stale row removed, edited row restored", on, []string{"resync", "--collection", "app_tag"},
			[]string{"done: 1 tables, 3 records copied, 1 stale rows deleted"}, "",
			"INSERT INTO app_tag (id, name) VALUES (999, 'stale'); UPDATE app_tag SET name = 'edited'"},
		{"unknown collection", on, []string{"resync", "--collection", "nope"}, nil, `unknown collection "nope"`, ""},
		{"resync when off", pgsync.Config{}, []string{"resync"}, nil, "the mirror is off", ""},
	}
	pg := pgtest.Connect(t, dsn)
	for _, st := range steps {
		if st.before != "" {
			if _, err := pg.Exec(context.Background(), st.before); err != nil {
				t.Fatal(err)
			}
		}
		out, err := runPgsync(t, app, st.cfg, st.args...)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%s: error %v, want %q\n%s", st.name, err, st.wantErr, out)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", st.name, err, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s: want %q in:\n%s", st.name, w, out)
			}
		}
	}
	var names string
	if err := pg.QueryRow(context.Background(), "SELECT string_agg(name, ',' ORDER BY name) FROM app_tag").Scan(&names); err != nil || names != "alpha,beta,gamma" {
		t.Fatalf("app_tag after resync: %q %v", names, err)
	}
}

// The "last error" line of status, from the keys the worker stores: none,
// an error that is current, and one the worker has succeeded after.
func TestPgsyncStatusLastError(t *testing.T) {
	app := testapp.New(t)
	if err := outbox.Ensure(app); err != nil {
		t.Fatal(err)
	}
	const refused = "connect: connection refused"
	steps := []struct {
		name   string
		status map[string]string // stored before status runs
		want   string
	}{
		{"no error yet", nil, "last error:  none\n"},
		{"an outage", map[string]string{outbox.KeyLastError: refused, outbox.KeyLastErrorAt: "2026-05-01T10:00:01Z", outbox.KeyLastErrorResolvedAt: ""},
			"last error:  connect: connection refused (at 2026-05-01T10:00:01Z)\n"},
		{"caught up", map[string]string{outbox.KeyLastErrorResolvedAt: "2026-05-01T10:00:05Z"},
			"last error:  none since 2026-05-01T10:00:05Z; resolved: connect: connection refused (occurred at 2026-05-01T10:00:01Z)\n"},
		{"the next outage", map[string]string{outbox.KeyLastError: "apply: timeout", outbox.KeyLastErrorAt: "2026-05-02T08:00:00Z", outbox.KeyLastErrorResolvedAt: ""},
			"last error:  apply: timeout (at 2026-05-02T08:00:00Z)\n"},
	}
	for _, st := range steps {
		if err := outbox.SetStatus(app, st.status); err != nil {
			t.Fatal(err)
		}
		out, err := runPgsync(t, app, pgsync.Config{}, "status")
		if err != nil {
			t.Fatalf("%s: %v\n%s", st.name, err, out)
		}
		if !strings.Contains(out, "\n"+st.want) {
			t.Fatalf("%s: want %q in:\n%s", st.name, st.want, out)
		}
	}
}
