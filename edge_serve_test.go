package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/internal/testio"
)

// startEdge runs `openstream edge` with env in an empty directory until
// the test ends and returns its base URL once its state is loaded.
func startEdge(t *testing.T, dir string, env ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "edge", "--http", addr)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), runAsProgram+"=1"), env...)
	proc := testio.Start(t, "the edge", cmd)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return "http://" + addr
			}
		}
		select {
		case <-proc.Done():
			t.Fatalf("the edge ended (%v)", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the edge never loaded the primary's state")
		}
	}
}

func rawGet(t *testing.T, u, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if key != "" {
		req.Header.Set("X-API-KEY", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// The program's edge, with nothing but REDIS_URL and the primary's
// REDIS_PREFIX, serves a screen the same bytes as the primary, on REST and
// on the socket, and writes no file; no key is left outside the prefix.
func TestEdgeCommandServesThePrimarysScreens(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	dir := t.TempDir()
	edge := startEdge(t, dir, "REDIS_URL="+c.redis.URL(), "REDIS_PREFIX="+clusterPrefix, "OPENSTREAM_PRIMARY_URL="+c.a)

	path := "/api/display-website/get-active-content?id=" + c.screens[0]
	for _, key := range []string{c.key, "", "not-a-key"} {
		ws, wb := rawGet(t, c.a+path, key)
		gs, gb := rawGet(t, edge+path, key)
		if gs != ws || gb != wb {
			t.Fatalf("key %q: edge %d %s\nprimary %d %s", key, gs, gb, ws, wb)
		}
	}
	onEdge, first := c.screen(t, edge, 0)
	_, want := c.screen(t, c.a, 0)
	if first["version"] != want["version"] {
		t.Fatalf("edge version %v, primary %v", first["version"], want["version"])
	}
	// A change on the primary reaches the edge's screen.
	call(t, "PATCH", c.a+"/api/manage_content/"+c.slideshow+"/?branch_id="+c.branch, c.admin, `{"name":"Renamed"}`, 200)
	if m := nextOf(t, onEdge, "type", "content"); m["version"] == first["version"] {
		t.Fatalf("unchanged content %v", m)
	}
	if s, b := rawGet(t, edge+"/api/users/", ""); s != http.StatusMisdirectedRequest || !strings.Contains(b, c.a) {
		t.Fatalf("elsewhere: %d %s", s, b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the edge wrote %v", entries)
	}
	opts, _ := redis.ParseURL(c.redis.URL())
	client := redis.NewClient(opts)
	defer client.Close()
	keys, err := client.Keys(context.Background(), "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, clusterPrefix) {
			t.Errorf("key %q is outside REDIS_PREFIX %q", k, clusterPrefix)
		}
	}
}
