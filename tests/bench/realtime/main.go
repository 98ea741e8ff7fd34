// Command realtime measures the screen WebSocket under load: N screens
// over two openstream instances sharing one data dir and one Redis, the
// memory each idle connection costs and how fast one emergency for all
// their groups reaches every screen. With -edges the screens are served
// by two `openstream edge` fed through Redis by one primary (serve), which
// the emergency is made on.
//
//	go run ./tests/bench/realtime -n 10000
//	go run ./tests/bench/realtime -n 20000 -edges
//
// It raises its open-file limit to the hard limit (the servers inherit
// it), seeds a fresh data dir, builds and starts the servers on loopback
// ports, and kills them at the end or on Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Goals of the issue.
const (
	goalScreens  = 10000
	goalKBPerCon = 12.0
	goalP99      = 250 * time.Millisecond
)

type options struct {
	n, groups, pool, slides int
	redis, bin              string
	keep, edges             bool
	idle, wait              time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 1000, "screens (connections), spread evenly over the two instances")
	flag.IntVar(&o.groups, "groups", 50, "display website groups the screens are spread over")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "Redis URL both instances share")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (data dir, server logs)")
	flag.BoolVar(&o.edges, "edges", false, "serve the screens from two `openstream edge` fed by one primary (serve)")
	flag.StringVar(&o.bin, "bin", "", "prebuilt openstream binary (default: go build the repo)")
	flag.IntVar(&o.pool, "pool", 200, "connections dialled at the same time")
	flag.IntVar(&o.slides, "slides", 10, "slides per slideshow")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "idle time before the second RSS reading")
	flag.DurationVar(&o.wait, "wait", 15*time.Second, "how long to wait for the emergency to reach every screen")
	flag.Parse()
	os.Exit(run(o))
}

// bench holds what must be cleaned up.
type bench struct {
	o       options
	dir     string
	data    string // the data dir, once seeded
	servers []*server
	once    sync.Once
}

func (b *bench) cleanup() {
	b.once.Do(func() {
		for _, s := range b.servers {
			s.stop()
		}
		if b.data != "" && len(b.servers) > 0 {
			printWarnings(b.data)
		}
		if b.dir == "" {
			return
		}
		if b.o.keep {
			fmt.Printf("kept %s\n", b.dir)
		} else {
			_ = os.RemoveAll(b.dir)
		}
	})
}

func run(o options) int {
	b := &bench{o: o}
	defer b.cleanup()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "\n%v: stopping the servers\n", s)
		b.cleanup()
		os.Exit(130)
	}()
	if err := b.run(); err != nil {
		fmt.Fprintf(os.Stderr, "FAILED: %v\n", err)
		for _, s := range b.servers {
			s.printTail(os.Stderr, 40)
		}
		return 1
	}
	return 0
}

func (b *bench) run() error {
	o := b.o
	if o.n < 2 {
		return errors.New("-n must be at least 2 (one screen per instance)")
	}
	hard, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("open-file limit: %w", err)
	}
	shape := "2 instances"
	if o.edges {
		shape = "2 edges fed by 1 primary"
	}
	fmt.Printf("== realtime bench: %d screens, %d groups, %s, %s, %d CPUs, load average %s\n",
		o.n, o.groups, shape, o.redis, runtime.NumCPU(), loadAverage())
	fmt.Printf("open files: limit set to the hard limit %d, for this process and the servers; the client needs ~%d, each server ~%d\n",
		hard, o.n+50, o.n/2+150)
	if hard < uint64(o.n+100) {
		fmt.Printf("WARNING: the hard limit %d is below what %d client sockets need\n", hard, o.n)
	}
	if err := checkRedis(o.redis); err != nil {
		return err
	}
	if b.dir, err = os.MkdirTemp("", "openstream-realtime-"); err != nil {
		return err
	}
	bin := o.bin
	if bin == "" {
		if bin, err = build(b.dir); err != nil {
			return err
		}
	}

	start := time.Now()
	data := filepath.Join(b.dir, "pb_data")
	sd, err := seed(data, o.n, o.groups, o.slides)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	b.data = data
	fmt.Printf("seed: %d screens in %d groups, %.1fs\n", len(sd.Screens), len(sd.Groups), time.Since(start).Seconds())

	env := []string{"REDIS_URL=" + o.redis, "OPENSTREAM_EVENTS_ADDR=off", "CREATE_SCREEN_RATE=100000"}
	names := []string{"A", "B"}
	if o.edges {
		names = []string{"primary", "edge1", "edge2"}
	}
	for _, name := range names {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		args := []string{"serve", "--http", addr, "--dir", data}
		if strings.HasPrefix(name, "edge") {
			args = []string{"edge", "--http", addr}
		}
		// One after the other: the second must not race the first's start-up
		// migrations, and an edge answers once the primary's state is in Redis.
		s, err := startServer(name, bin, args, addr, b.dir, env)
		if s != nil {
			b.servers = append(b.servers, s)
		}
		if err != nil {
			return err
		}
		fmt.Printf("instance %s: %s pid %d (log %s)\n", s.name, s.addr, s.pid(), s.logPath)
	}
	urls := make([]string, len(b.servers))
	for i, s := range b.servers {
		urls[i] = "ws://" + s.addr + "/ws/screens/"
	}

	// The instances screens connect to: every one, or the edges.
	first := 0
	if o.edges {
		first = 1
	}
	serving := len(b.servers) - first
	c := newClient(sd.Key)
	screens := make([]*screen, len(sd.Screens))
	for i, id := range sd.Screens {
		screens[i] = &screen{id: id, inst: first + i%serving}
	}

	// Warm-up: one screen on each instance, then closed.
	for i := first; i < len(b.servers); i++ {
		w := &screen{id: sd.Screens[i], inst: i}
		if err := c.connect(w, urls[i]); err != nil {
			return fmt.Errorf("warm-up screen on %s: %s", b.servers[i].name, w.Failure())
		}
		fmt.Printf("warm-up %s: first content %d bytes\n", b.servers[i].name, w.contentLen.Load())
		w.close()
	}
	time.Sleep(2 * time.Second)
	before, err := b.readRSS()
	if err != nil {
		return err
	}

	// Connect everyone.
	cpuConnect := b.readCPU()
	start = time.Now()
	step := max(o.n/10, 1)
	c.connectAll(screens, urls, o.pool, func(done int) {
		if done%step == 0 {
			fmt.Printf("  connected %d/%d (%.1fs)\n", done, o.n, time.Since(start).Seconds())
		}
	})
	connectTime := time.Since(start)
	cpuConnect = b.cpuSince(cpuConnect)
	perInst := make([][]*screen, len(b.servers))
	for _, s := range screens {
		perInst[s.inst] = append(perInst[s.inst], s)
	}
	ok := countConnected(screens)
	fmt.Printf("connect: %d/%d screens got their first content in %.1fs (%.0f/s, pool %d)\n",
		ok, o.n, connectTime.Seconds(), float64(ok)/connectTime.Seconds(), o.pool)
	printFailures(screens)
	if err := b.alive(); err != nil {
		return err
	}
	if ok == 0 {
		return errors.New("no screen got content")
	}

	time.Sleep(o.idle)
	idle, err := b.readRSS()
	if err != nil {
		return err
	}
	if d := countDropped(screens); d > 0 {
		fmt.Printf("WARNING: %d sockets ended while idle\n", d)
	}

	// The emergency.
	token, err := signIn(b.servers[0].addr)
	if err != nil {
		return err
	}
	load := loadAverage()
	cpuEmergency, cpuClient := b.readCPU(), selfCPU()
	t0 := time.Now()
	status, body, err := activateEmergency(b.servers[0].addr, token, sd)
	post := time.Since(t0)
	if err != nil {
		return fmt.Errorf("emergency: %w", err)
	}
	if status != http.StatusCreated {
		return fmt.Errorf("emergency: HTTP %d: %.300s", status, body)
	}
	fmt.Printf("emergency: POST /api/emergency-slideshows/ -> %d in %s ms (load average before: %s)\n", status, ms(post), load)
	want := ok
	deadline := t0.Add(o.wait)
	for time.Now().Before(deadline) && countEmergencies(screens) < want {
		time.Sleep(5 * time.Millisecond)
	}
	waited := time.Since(t0)
	cpuEmergency, cpuClient = b.cpuSince(cpuEmergency), selfCPU()-cpuClient
	results := make([]delivery, len(b.servers))
	for i := range b.servers {
		results[i] = summarise(perInst[i], t0)
	}
	all := summarise(screens, t0)
	time.Sleep(time.Second)
	after, rssErr := b.readRSS()

	// Report.
	fmt.Printf("\n== idle memory (VmRSS, %s after the last screen got content)\n", o.idle)
	fmt.Printf("%-8s %7s %10s %10s %12s %14s %15s %9s\n",
		"instance", "conns", "before MB", "idle MB", "per conn KB", "after emerg MB", "connect CPU ms", "db conns")
	worstKB := 0.0
	for i, s := range b.servers {
		n := countConnected(perInst[i])
		per := 0.0
		if n > 0 {
			per = float64(idle[i]-before[i]) / float64(n)
		}
		worstKB = max(worstKB, per)
		afterMB := "-"
		if rssErr == nil {
			afterMB = fmt.Sprintf("%.1f", float64(after[i])/1024)
		}
		fmt.Printf("%-8s %7d %10.1f %10.1f %12.1f %14s %15s %9d\n",
			s.name, n, float64(before[i])/1024, float64(idle[i])/1024, per, afterMB, ms(cpuConnect[i]), dbConns(s.pid()))
	}
	fmt.Printf("\n== emergency delivery (REST call -> screen receipt; waited %.1fs of %s)\n", waited.Seconds(), o.wait)
	fmt.Printf("%-8s %7s %9s %6s %8s %8s %8s %8s %8s %8s\n",
		"instance", "screens", "received", "lost", "dropped", "min ms", "p50 ms", "p99 ms", "max ms", "CPU ms")
	row := func(name string, d delivery, cpu time.Duration) {
		fmt.Printf("%-8s %7d %9d %6d %8d %8s %8s %8s %8s %8s\n",
			name, d.Screens, d.Received, d.Lost, d.Dropped, ms(d.Min), ms(d.P50), ms(d.P99), ms(d.Max), ms(cpu))
	}
	var cpuAll time.Duration
	for i, s := range b.servers {
		row(s.name, results[i], cpuEmergency[i])
		cpuAll += cpuEmergency[i]
	}
	row("all", all, cpuAll)
	fmt.Printf("(CPU ms: the server processes' CPU time between the POST and the last receipt; the client used %s ms)\n", ms(cpuClient))
	printFailures(screens)
	aliveErr := b.alive()

	fmt.Printf("\n== summary: N=%d connected=%d worst KB/conn=%.1f p50=%sms p99=%sms max=%sms lost=%d failed-to-connect=%d\n",
		o.n, ok, worstKB, ms(all.P50), ms(all.P99), ms(all.Max), all.Lost, o.n-ok)
	goal := ok == o.n && worstKB <= goalKBPerCon && all.P99 <= goalP99 && all.Lost == 0 && aliveErr == nil
	verdict := "MET"
	if !goal {
		verdict = "NOT MET"
	}
	scope := ""
	if o.n < goalScreens {
		scope = fmt.Sprintf(" (at N=%d; the goal is stated for %d)", o.n, goalScreens)
	}
	fmt.Printf("goal (<= %.0f KB/conn, p99 <= %s, 0 lost): %s%s\n", goalKBPerCon, goalP99, verdict, scope)

	for _, s := range screens {
		s.close()
	}
	if aliveErr != nil {
		return aliveErr
	}
	if all.Lost > 0 || ok < o.n {
		for _, s := range b.servers {
			s.printTail(os.Stdout, 20)
		}
	}
	return nil
}

func countConnected(screens []*screen) (n int) {
	for _, s := range screens {
		if s.contentAt.Load() != 0 {
			n++
		}
	}
	return n
}

func countEmergencies(screens []*screen) (n int) {
	for _, s := range screens {
		if s.emergencyAt.Load() != 0 {
			n++
		}
	}
	return n
}

func countDropped(screens []*screen) (n int) {
	for _, s := range screens {
		if s.closed.Load() {
			n++
		}
	}
	return n
}

func printFailures(screens []*screen) {
	f := failures(screens)
	if len(f) == 0 {
		return
	}
	fmt.Println("failures:")
	for i, line := range f {
		if i == 10 {
			fmt.Printf("  ... %d more kinds\n", len(f)-i)
			break
		}
		fmt.Println("  " + line)
	}
}

func (b *bench) readRSS() ([]int64, error) {
	out := make([]int64, len(b.servers))
	for i, s := range b.servers {
		kb, err := rssKB(s.pid())
		if err != nil {
			return nil, fmt.Errorf("RSS of %s: %w", s.name, err)
		}
		out[i] = kb
	}
	return out, nil
}

// readCPU is each server's CPU time so far (0 where unreadable).
func (b *bench) readCPU() []time.Duration {
	out := make([]time.Duration, len(b.servers))
	for i, s := range b.servers {
		out[i], _ = cpuTime(s.pid())
	}
	return out
}

func (b *bench) cpuSince(before []time.Duration) []time.Duration {
	now := b.readCPU()
	for i := range now {
		now[i] -= before[i]
	}
	return now
}

// printWarnings shows what the servers logged at WARN or above.
func printWarnings(data string) {
	total, last, err := serverWarnings(data)
	switch {
	case err != nil:
		fmt.Printf("server logs: %v\n", err)
	case total == 0:
		fmt.Println("server logs: no warnings or errors")
	default:
		fmt.Printf("server logs: %d warnings/errors, the last %d:\n", total, len(last))
		for i := len(last) - 1; i >= 0; i-- {
			e := last[i]
			fmt.Printf("  %s level=%d %s %.300s\n", e.Created, e.Level, e.Message, e.Data)
		}
	}
}

func (b *bench) alive() error {
	for _, s := range b.servers {
		if err := s.exited(); err != nil {
			return fmt.Errorf("instance %s exited: %w", s.name, err)
		}
	}
	return nil
}

// loadAverage is the 1-minute load average: other work on the machine
// skews the latencies.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// raiseFileLimit sets the soft RLIMIT_NOFILE to the hard one. Go raises
// its own soft limit at start-up but gives children the original one back
// unless the program sets the limit itself, as here.
func raiseFileLimit() (hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	l.Cur = l.Max
	return l.Max, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
}

// checkRedis fails early when nothing answers PING at the Redis URL.
func checkRedis(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-redis %q: not a redis:// URL", raw)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "6379")
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if pw, ok := u.User.Password(); ok {
		fmt.Fprintf(conn, "AUTH %s\r\n", pw) // reply read with PING's below
	}
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if err != nil || !bytes.Contains(buf[:n], []byte("PONG")) {
		return fmt.Errorf("redis at %s did not answer PING: %q %v", host, buf[:n], err)
	}
	return nil
}

// build compiles the repo's openstream binary into dir.
func build(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the openstream module, or pass -bin")
	}
	bin := filepath.Join(dir, "openstream")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	fmt.Printf("built %s in %.1fs\n", bin, time.Since(start).Seconds())
	return bin, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// signIn gets the suborg admin's access token.
func signIn(addr string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": benchUser, "password": benchUser})
	resp, err := http.Post("http://"+addr+"/api/token/", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Access string `json:"access"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Access == "" {
		return "", fmt.Errorf("sign in: HTTP %d: %.300s", resp.StatusCode, raw)
	}
	return out.Access, nil
}

// activateEmergency creates an active emergency for every group.
func activateEmergency(addr, token string, sd *seeded) (int, []byte, error) {
	body, _ := json.Marshal(map[string]any{
		"slideshow_id": sd.Emergency, "display_website_group_ids": sd.Groups, "is_active": true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+addr+"/api/emergency-slideshows/?branch_id="+sd.Branch, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, nil
}
