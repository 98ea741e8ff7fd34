// Package multihost_test runs the edges as a fleet across hosts: network
// namespaces joined by veth links stand for the machines (Redis, the
// primary, two edges, a HAProxy balancer, the screens), and the test cuts
// links and stops processes as outages do. It needs root (CI runs as root),
// redis-server and haproxy (Debian's packages).
package multihost_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/cmd"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testio"
)

// runAsProgram makes the test binary the openstream program.
const runAsProgram = "OPENSTREAM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProgram) == "1" {
		os.Args = append([]string{"openstream"}, os.Args[1:]...)
		if err := cmd.Run(fstest.MapFS{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fleet is the deployment under test.
type fleet struct {
	net                     *network
	redis, primary, balance *testio.Process
	edges                   [2]*testio.Process
	primaryURL, lbURL       string
	edgeURLs                [2]string
	client                  *http.Client // from the screens' host
	dialer                  *websocket.Dialer
	stats                   string // HAProxy's stats socket
	key                     string
	screens                 []string
}

const port = "8000"

func startFleet(t *testing.T, screens int) *fleet {
	t.Helper()
	for _, tool := range []string{"redis-server", "haproxy", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (apt-get install redis-server haproxy iproute2)", tool)
		}
	}
	f := &fleet{net: newNetwork(t)}
	n := f.net
	redisAddr := n.addHost("redis", 2)
	primaryAddr := n.addHost("primary", 3)
	edgeAddrs := [2]string{n.addHost("edge1", 4), n.addHost("edge2", 5)}
	lbAddr := n.addHost("lb", 6)
	n.addHost("screens", 7)
	dial := n.dialer("screens")
	f.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	f.dialer = &websocket.Dialer{NetDialContext: dial, HandshakeTimeout: 5 * time.Second}

	// The primary's data: a branch with screens in one group.
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	s := rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	f.key, f.screens = s.Key, []string{s.Screen}
	for i := 1; i < screens; i++ {
		f.screens = append(f.screens, apitest.Create(t, app, "display_websites", map[string]any{
			"name": fmt.Sprintf("screen %d", i), "branch": s.Branch, "display_website_group": s.Group,
		}).Id)
	}
	data := app.DataDir()
	if err := app.ClearBootstrap(); err != nil {
		t.Fatal(err)
	}

	redisURL := "REDIS_URL=redis://" + redisAddr + ":6379/0"
	f.redis = testio.Start(t, "redis", n.command("redis", "redis-server", "--port", "6379", "--bind", redisAddr,
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--protected-mode", "no"))
	program := func(host string, args ...string) *exec.Cmd {
		c := n.command(host, os.Args[0], args...)
		c.Dir = t.TempDir()
		c.Env = append(os.Environ(), runAsProgram+"=1", redisURL, "OPENSTREAM_EVENTS_ADDR=off",
			"OPENSTREAM_PRIMARY_URL=http://"+primaryAddr+":"+port, "SCREEN_PING_INTERVAL=2s")
		return c
	}
	f.primaryURL = "http://" + primaryAddr + ":" + port
	f.primary = testio.Start(t, "primary", program("primary", "serve", "--dir", data, "--http", primaryAddr+":"+port))
	for i, addr := range edgeAddrs {
		f.edgeURLs[i] = "http://" + addr + ":" + port
		f.edges[i] = testio.Start(t, fmt.Sprintf("edge %d", i+1), program(fmt.Sprintf("edge%d", i+1), "edge", "--http", addr+":"+port))
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "haproxy.cfg")
	f.stats = filepath.Join(dir, "haproxy.sock")
	// As dev-environment/haproxy/haproxy.cfg, with faster checks, and the
	// sockets of an edge marked down ended so their screens move at once.
	conf := strings.Join([]string{
		"global", "\tstats socket " + f.stats + " level admin",
		"defaults", "\tmode http", "\ttimeout connect 2s", "\ttimeout client 60s", "\ttimeout server 60s", "\ttimeout tunnel 1h",
		"frontend screens", "\tbind " + lbAddr + ":" + port, "\tdefault_backend edges",
		"backend edges", "\tbalance roundrobin", "\toption httpchk GET /api/health", "\thttp-check expect status 200",
		"\tdefault-server inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions",
		"\tserver edge1 " + edgeAddrs[0] + ":" + port + " check",
		"\tserver edge2 " + edgeAddrs[1] + ":" + port + " check", "",
	}, "\n")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	f.lbURL = "http://" + lbAddr + ":" + port
	f.balance = testio.Start(t, "haproxy", n.command("lb", "haproxy", "-db", "-f", cfg))

	for _, u := range []string{f.primaryURL, f.edgeURLs[0], f.edgeURLs[1], f.lbURL} {
		f.waitHealthy(t, u)
	}
	f.waitServers(t, "UP", "UP")
	return f
}

// waitServers waits until the balancer's view of the two edges is status.
func (f *fleet) waitServers(t *testing.T, status ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := f.servers(t)
		if slices.Equal(got, status) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the balancer sees the edges %v, want %v", got, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// servers is the status of edge1 and edge2 on HAProxy's stats socket.
func (f *fleet) servers(t *testing.T) []string {
	t.Helper()
	c, err := net.Dial("unix", f.stats)
	if err != nil {
		return nil
	}
	defer c.Close()
	_, _ = c.Write([]byte("show stat\n"))
	raw, _ := io.ReadAll(c)
	out := make([]string, 2)
	for _, line := range strings.Split(string(raw), "\n") {
		fields := strings.Split(line, ",")
		if len(fields) > 17 && fields[0] == "edges" && (fields[1] == "edge1" || fields[1] == "edge2") {
			out[fields[1][4]-'1'] = fields[17]
		}
	}
	return out
}

func (f *fleet) waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, err := f.client.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never healthy: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// active is get-active-content of screen i from base: status and body.
func (f *fleet) active(base string, i int) (int, []byte, error) {
	req, _ := http.NewRequest("GET", base+"/api/display-website/get-active-content?id="+f.screens[i], nil)
	req.Header.Set("X-API-KEY", f.key)
	res, err := f.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// frame is one message a screen received.
type frame struct {
	at   time.Time
	raw  []byte
	err  error // the socket ended
	data json.RawMessage
	code float64
	kind string
}

// screen is a player connected through the balancer: it reconnects by
// itself when its socket ends, as players do, and logs what it receives.
type screen struct {
	f      *fleet
	i      int
	frames chan frame
	stop   chan struct{}
	mu     sync.Mutex
	closes int
}

func (f *fleet) connect(t *testing.T, i int) *screen {
	s := &screen{f: f, i: i, frames: make(chan frame, 64), stop: make(chan struct{})}
	t.Cleanup(func() { close(s.stop) })
	go s.run()
	return s
}

func (s *screen) run() {
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		ws, _, err := s.f.dialer.Dial("ws"+strings.TrimPrefix(s.f.lbURL, "http")+"/ws/screens/", nil)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		_ = ws.WriteJSON(map[string]any{"type": "authenticate", "apiKey": s.f.key, "displayWebsiteId": s.f.screens[s.i]})
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				s.mu.Lock()
				s.closes++
				s.mu.Unlock()
				s.frames <- frame{at: time.Now(), err: err}
				break
			}
			var m struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
				Code float64         `json:"code"`
			}
			_ = json.Unmarshal(raw, &m)
			s.frames <- frame{at: time.Now(), raw: raw, data: m.Data, code: m.Code, kind: m.Type}
		}
		_ = ws.Close()
		select {
		case <-s.stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// next is the next frame satisfying ok, within d.
func (s *screen) next(t *testing.T, d time.Duration, what string, ok func(frame) bool) frame {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case fr := <-s.frames:
			if ok(fr) {
				return fr
			}
		case <-timeout:
			t.Fatalf("screen %d: no %s within %s", s.i, what, d)
		}
	}
}

// quiet fails if screen s's socket ends within d.
func (s *screen) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case fr := <-s.frames:
			if fr.err != nil {
				t.Fatalf("screen %d lost its socket: %v", s.i, fr.err)
			}
		case <-timeout:
			return
		}
	}
}

func isContent(fr frame) bool { return fr.kind == "content" }

func TestEdgesAcrossHosts(t *testing.T) {
	const n = 6
	f := startFleet(t, n)
	want := make([][]byte, n)
	for i := range n {
		status, body, err := f.active(f.primaryURL, i)
		if err != nil || status != 200 {
			t.Fatalf("primary: %d %v %s", status, err, body)
		}
		want[i] = body
		for _, base := range []string{f.edgeURLs[0], f.edgeURLs[1], f.lbURL} {
			if status, got, err := f.active(base, i); err != nil || status != 200 || !bytes.Equal(got, body) {
				t.Fatalf("%s: %d %v\n%s\nwant %s", base, status, err, got, body)
			}
		}
	}
	screens := make([]*screen, n)
	for i := range n {
		screens[i] = f.connect(t, i)
		fr := screens[i].next(t, rttest.Wait, "first content", isContent)
		if !bytes.Equal(fr.data, want[i]) {
			t.Fatalf("screen %d got %s, want %s", i, fr.data, want[i])
		}
	}

	// Edge 1 falls off the network: its screens reconnect through the
	// balancer to edge 2 and have their content within 5 s.
	cut := time.Now()
	f.net.cut("edge1")
	moved, slowest := 0, time.Duration(0)
	for i, s := range screens {
		select {
		case fr := <-s.frames:
			if fr.err == nil {
				t.Fatalf("screen %d: unexpected %s", i, fr.raw)
			}
		case <-time.After(3 * time.Second):
			continue // it was on edge 2
		}
		moved++
		fr := s.next(t, 5*time.Second, "content after the reconnect", isContent)
		if !bytes.Equal(fr.data, want[i]) {
			t.Fatalf("screen %d after the move: %s", i, fr.data)
		}
		took := fr.at.Sub(cut)
		if took > 5*time.Second {
			t.Fatalf("screen %d had its content again %s after the cut", i, took)
		}
		slowest = max(slowest, took)
	}
	if moved != n/2 {
		t.Fatalf("%d of %d screens moved: the balancer did not spread them", moved, n)
	}
	f.waitServers(t, "DOWN", "UP")
	t.Logf("%d screens moved to edge 2, the last with its content %s after the cut", moved, slowest.Round(time.Millisecond))

	// The primary stops: no screen loses its socket and polls keep 200.
	f.primary.Kill() // as a crash: no goodbye to anyone
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for i := range n {
			if status, got, err := f.active(f.lbURL, i); err != nil || status != 200 || !bytes.Equal(got, want[i]) {
				t.Fatalf("poll of screen %d without the primary: %d %v %s", i, status, err, got)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, s := range screens {
		s.quiet(t, 100*time.Millisecond)
	}

	// Redis is cut off: the screens hear 4007, keep their sockets, and
	// get a fresh snapshot when Redis is back.
	f.net.cut("redis")
	cut = time.Now()
	for i, s := range screens {
		s.next(t, time.Minute, "4007", func(fr frame) bool {
			if fr.err != nil {
				t.Fatalf("screen %d lost its socket with Redis: %v", i, fr.err)
			}
			return fr.code == 4007
		})
	}
	t.Logf("every screen heard 4007 within %s of the partition", time.Since(cut).Round(time.Millisecond))
	f.net.mend("redis")
	mended := time.Now()
	for i, s := range screens {
		fr := s.next(t, time.Minute, "content after Redis is back", func(fr frame) bool {
			if fr.err != nil {
				t.Fatalf("screen %d lost its socket after Redis: %v", i, fr.err)
			}
			return isContent(fr)
		})
		if !bytes.Equal(fr.data, want[i]) {
			t.Fatalf("screen %d after Redis: %s", i, fr.data)
		}
	}
	t.Logf("every screen had a fresh snapshot within %s of Redis' return", time.Since(mended).Round(time.Millisecond))
}
