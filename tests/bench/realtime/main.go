// Command realtime measures the realtime tier under load, as users make
// it: N screens over two openstream instances sharing one data dir and one
// Redis connect at once (a restart's reconnect storm), then receive
// -rounds changes of real content (an emergency switched on and off), and
// a thousand editors join one slideshow at once and edit it. It prints
// each round, then a goal table with min / median / max over the rounds
// and whether each goal is met. With -edges the screens are served by two
// `openstream edge` fed through Redis by one primary (serve), which the
// changes are made on and the editors join.
//
//	go run ./tests/bench/realtime -n 10000
//	go run ./tests/bench/realtime -n 20000 -clients 2
//	go run ./tests/bench/realtime -n 10000 -content small
//	go run ./tests/bench/realtime -n 20000 -edges
//
// Screens are held by client processes (this program with -child), at
// most about ten thousand each, so that the client's own garbage collector
// is not what is measured. It raises its open-file limit to the hard limit
// (the servers and clients inherit it), seeds a fresh data dir, builds and
// starts the servers on loopback ports, and kills them at the end or on
// Ctrl-C.
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	deliverystore "github.com/openstream-go/openstream/playback/delivery"
)

// Goals of the issue (docs/operations.md, "Measured load").
const (
	goalKBPerCon    = 12.0
	goalP99Small    = 150 * time.Millisecond // 10,000 screens, small content
	goalP99Real     = 250 * time.Millisecond // 10,000 screens, a 38 KB slideshow
	goalP99At20k    = 400 * time.Millisecond // 20,000 screens
	goalEditorsIn   = 10 * time.Second       // a thousand editors all joined
	goalEditLatency = 100 * time.Millisecond // one edit reaches every editor
	goalAckedAll    = 2 * time.Second        // every online screen acknowledged an emergency
	perClient       = 10000                  // screens per client process
)

type options struct {
	n, groups, pool, clients, rounds, editors int
	redis, bin, content                       string
	keep, compress, child, edges, acks        bool
	idle, wait, pause                         time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 10000, "screens (connections), spread evenly over the two instances")
	flag.IntVar(&o.groups, "groups", 50, "display website groups the screens are spread over")
	flag.IntVar(&o.clients, "clients", 0, "client processes holding the screens (0: one per 10,000)")
	flag.IntVar(&o.rounds, "rounds", 5, "fan-out rounds (an emergency switched on, off, on, ...) and edit rounds")
	flag.IntVar(&o.editors, "editors", 1000, "editors joining one slideshow at once (0: skip)")
	flag.StringVar(&o.content, "content", contentRealistic, "slideshow size: realistic (20 slides, ~38 KB) or small (one slide)")
	flag.BoolVar(&o.compress, "compress", false, "screens offer permessage-deflate, as browsers do")
	flag.BoolVar(&o.acks, "acks", true, "screens acknowledge every content message")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "Redis URL both instances share")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (data dir, server logs)")
	flag.BoolVar(&o.edges, "edges", false, "serve the screens from two `openstream edge` fed by one primary (serve)")
	flag.StringVar(&o.bin, "bin", "", "prebuilt openstream binary (default: go build the repo)")
	flag.IntVar(&o.pool, "pool", 0, "connections each client process dials at the same time (0: all at once)")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "idle time before each RSS reading")
	flag.DurationVar(&o.wait, "wait", 15*time.Second, "how long a round waits for every socket")
	flag.DurationVar(&o.pause, "pause", 2*time.Second, "pause between fan-out rounds")
	flag.BoolVar(&o.child, "child", false, "internal: run as a client process of the parent")
	flag.Parse()
	if o.child {
		if err := runChild(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "client process: %v\n", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(run(o))
}

// bench holds what must be cleaned up.
type bench struct {
	o       options
	dir     string
	data    string // the data dir, once seeded
	servers []*server
	clients fleet
	redis   *redis.Client // the shared Redis, for its CPU time
	screens []string      // seeded: their delivery hashes in Redis go at the end
	once    sync.Once
}

func (b *bench) cleanup() {
	b.once.Do(func() {
		for _, c := range b.clients {
			c.stop()
		}
		for _, s := range b.servers {
			s.stop()
		}
		if b.data != "" && len(b.servers) > 0 {
			printWarnings(b.data)
		}
		forgetDeliveries(b.o.redis, b.screens)
		if b.redis != nil {
			_ = b.redis.Close()
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

// forgetDeliveries deletes the seeded screens' delivery hashes: they
// would outlive the run in Redis by their 30 days, ten thousand a run.
func forgetDeliveries(redisURL string, screens []string) {
	if len(screens) == 0 {
		return
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return
	}
	client := redis.NewClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for start := 0; start < len(screens); start += 1000 {
		keys := make([]string, 0, 1000)
		for _, id := range screens[start:min(start+1000, len(screens))] {
			keys = append(keys, deliverystore.RedisPrefix+id)
		}
		if err := client.Del(ctx, keys...).Err(); err != nil {
			fmt.Printf("delivery hashes not deleted from Redis: %v\n", err)
			return
		}
	}
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

// p99Goal is the fan-out goal for this run's size and content.
func (o options) p99Goal() time.Duration {
	switch {
	case o.n >= 20000:
		return goalP99At20k
	case o.content == contentSmall:
		return goalP99Small
	default:
		return goalP99Real
	}
}

func (b *bench) run() error {
	o := b.o
	if o.n < 2 {
		return errors.New("-n must be at least 2 (one screen per instance)")
	}
	if o.content != contentRealistic && o.content != contentSmall {
		return fmt.Errorf("-content %q: realistic or small", o.content)
	}
	if o.clients <= 0 {
		o.clients = (o.n + perClient - 1) / perClient
	}
	hard, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("open-file limit: %w", err)
	}
	shape := "2 instances"
	if o.edges {
		shape = "2 edges fed by 1 primary"
	}
	fmt.Printf("== realtime bench: %d screens over %d client processes, %d groups, %s content, compression %v, %s, %s, %d CPUs, load average %s\n",
		o.n, o.clients, o.groups, o.content, o.compress, shape, o.redis, runtime.NumCPU(), loadAverage())
	if per := o.n/o.clients + 100; hard < uint64(per) {
		fmt.Printf("WARNING: the hard open-file limit %d is below what %d sockets of one client process need\n", hard, per)
	}
	if err := checkRedis(o.redis); err != nil {
		return err
	}
	if opts, err := redis.ParseURL(o.redis); err == nil {
		b.redis = redis.NewClient(opts)
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
	sd, err := seed(data, o.n, o.groups, o.editors, o.content)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	b.data, b.screens = data, sd.Screens
	fmt.Printf("seed: %d screens in %d groups, %d editors, %.1fs\n", len(sd.Screens), len(sd.Groups), len(sd.Editors), time.Since(start).Seconds())

	env := []string{"REDIS_URL=" + o.redis, "OPENSTREAM_EVENTS_ADDR=off", "CREATE_SCREEN_RATE=100000", "CORS_ALLOWED_ORIGINS=" + editorOrigin}
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

	// Warm-up: one screen on each instance, then closed. An edge may
	// serve the state an earlier run left in Redis (and refuse this run's
	// key) until the primary has written its own: up to the lease's 3 s
	// when that run's primary did not give the lease back.
	warm := newClient(sd.Key, o.compress)
	for i := first; i < len(b.servers); i++ {
		var w *screen
		for deadline := time.Now().Add(o.wait); ; time.Sleep(200 * time.Millisecond) {
			w = &screen{id: sd.Screens[i], inst: i}
			err := warm.connect(w, urls[i])
			if err == nil {
				break
			}
			if !o.edges || time.Now().After(deadline) {
				return fmt.Errorf("warm-up screen on %s: %s", b.servers[i].name, w.Failure())
			}
		}
		fmt.Printf("warm-up %s: first content message %d bytes\n", b.servers[i].name, w.contentLen.Load())
		w.close()
	}
	time.Sleep(2 * time.Second)
	before, err := b.readRSS()
	if err != nil {
		return err
	}

	// The connect burst: every client process dials all its screens at once.
	perInst := make([]int, len(b.servers))
	cfgs := make([]childConfig, o.clients)
	for i, id := range sd.Screens {
		c, inst := i%o.clients, first+i%serving
		cfgs[c].IDs, cfgs[c].Inst = append(cfgs[c].IDs, id), append(cfgs[c].Inst, inst)
		perInst[inst]++
	}
	for _, cfg := range cfgs {
		cfg.URLs, cfg.Key, cfg.Pool, cfg.Compress, cfg.Acks = urls, sd.Key, o.pool, o.compress, o.acks
		if cfg.Pool <= 0 {
			cfg.Pool = len(cfg.IDs)
		}
		p, err := startChild(cfg)
		if p != nil {
			b.clients = append(b.clients, p)
		}
		if err != nil {
			return fmt.Errorf("client process: %w", err)
		}
	}
	cpu := b.readCPU()
	connected, err := b.clients.askAll(command{Cmd: "connect"})
	if err != nil {
		return err
	}
	cpuConnect := b.cpuSince(cpu)
	ok, slowest := 0, 0.0
	var fails []string
	for _, r := range connected {
		ok += r.OK
		slowest = max(slowest, r.Seconds)
		fails = append(fails, r.Failures...)
	}
	fmt.Printf("connect burst: %d/%d screens got their first content (%s per screen) in %.1fs, %.0f/s; CPU ms (servers / clients / redis) %s\n",
		ok, o.n, kb(connected[0].Bytes), slowest, float64(ok)/slowest, msList(cpuConnect))
	printList("failures", fails)
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

	rounds, err := b.fanOut(sd)
	if err != nil {
		return err
	}
	time.Sleep(o.idle)
	after, err := b.readRSS()
	if err != nil {
		return err
	}
	if err := b.alive(); err != nil {
		return err
	}
	fmt.Printf("\n== memory (VmRSS)\n%-8s %7s %10s %12s %16s %14s %9s\n",
		"instance", "screens", "before MB", "connected MB", "after rounds MB", "KB per screen", "db conns")
	var kbPer []float64
	for i, s := range b.servers {
		per := "-" // the primary of edges holds no screens
		if perInst[i] > 0 {
			kb := float64(after[i]-before[i]) / float64(perInst[i])
			kbPer = append(kbPer, kb)
			per = fmt.Sprintf("%.1f", kb)
		}
		fmt.Printf("%-8s %7d %10.1f %12.1f %16.1f %14s %9d\n",
			s.name, perInst[i], float64(before[i])/1024, float64(idle[i])/1024, float64(after[i])/1024, per, dbConns(s.pid()))
	}
	for _, c := range b.clients {
		c.stop()
	}
	b.clients = nil

	// The editors' join storm, on the default slideshow every screen plays.
	var storm stormResult
	if o.editors > 0 {
		var httpURLs []string // editors use serve, never an edge
		for _, s := range b.servers {
			if !strings.HasPrefix(s.name, "edge") {
				httpURLs = append(httpURLs, "ws://"+s.addr)
			}
		}
		storm = joinStorm(httpURLs, sd.Slideshow, sd.Branch, sd.Editors, o.rounds, o.wait)
		fmt.Printf("\n== editors: %d joined one slideshow at once over %d instances: %d had the slideshow and the full presence list",
			storm.Editors, len(httpURLs), storm.Ready)
		if storm.AllReady > 0 {
			fmt.Printf(" within %.1fs", storm.AllReady.Seconds())
		}
		fmt.Printf("; %d presence frames in all (%.1f per editor); %d failed or closed by the server\n",
			storm.PresenceFrames, float64(storm.PresenceFrames)/float64(storm.Editors), storm.Failed)
		printList("failures", storm.Failures)
		for i, d := range storm.Edits {
			fmt.Printf("edit %d: reached %d/%d other editors, p50 %s ms, p99 %s ms, max %s ms\n", i+1, d.Received, d.Screens, ms(d.P50), ms(d.P99), ms(d.Max))
		}
		if err := b.alive(); err != nil {
			return err
		}
	}

	// The goal table.
	fmt.Printf("\n== goals: %d screens, %s content, compression %v, %s, %d rounds\n", o.n, o.content, o.compress, shape, len(rounds))
	rows := goalTable(o, ok, slowest, rounds, kbPer, storm)
	if printGoals(rows) {
		fmt.Println("every goal: met")
	} else {
		fmt.Println("every goal: NOT MET")
	}
	return b.alive()
}

// fanOut runs the rounds: an emergency for every group switched on, off,
// on, ... through the REST API of the first instance, each round timed
// from the request to every screen's receipt (and, with acks, to the
// delivery report counting every screen acknowledged).
func (b *bench) fanOut(sd *seeded) ([]delivery, error) {
	o := b.o
	token, err := signIn(b.servers[0].addr)
	if err != nil {
		return nil, err
	}
	var rounds []delivery
	emergency := ""
	fmt.Printf("\n== fan-out rounds (REST change -> content message at every screen; wait %s)\n", o.wait)
	names := make([]string, len(b.servers))
	for i, s := range b.servers {
		names[i] = s.name
	}
	fmt.Printf("%-6s %-10s %8s %9s %6s %8s %8s %8s %8s %8s %6s %13s %22s  CPU ms (servers %s / clients / redis)\n",
		"round", "change", "screens", "received", "lost", "dropped", "min ms", "p50 ms", "p99 ms", "max ms", "load", "all acked ms", "ack p50/p99/last ms", strings.Join(names, " / "))
	for r := range o.rounds {
		on := r%2 == 0
		mark, change := emergencyOn, "switch on"
		if !on {
			mark, change = emergencyOff, "switch off"
		}
		if _, err := b.clients.askAll(command{Cmd: "arm", Mark: string(mark)}); err != nil {
			return nil, err
		}
		load := loadAverage()
		cpu := b.readCPU()
		t0 := time.Now()
		if emergency, err = switchEmergency(b.servers[0].addr, token, sd, emergency, on); err != nil {
			return nil, fmt.Errorf("round %d: %w", r+1, err)
		}
		reports, err := b.clients.askAll(command{Cmd: "collect", WaitMS: o.wait.Milliseconds()})
		if err != nil {
			return nil, err
		}
		used := b.cpuSince(cpu)
		d := merge(reports, t0)
		if o.acks {
			// Every screen's ack, as the delivery report counts it (the
			// acks reach it through the instances' once-a-second flush).
			took, sum, err := waitAcknowledged(b.servers[0].addr, token, sd.Branch, emergency, t0, o.wait)
			if err != nil {
				return nil, fmt.Errorf("round %d: %w", r+1, err)
			}
			if sum.Acknowledged >= d.Received {
				d.AckedAll = took
			}
			d.Acked = sum.Acknowledged
			d.ackLatencies(sum.At)
		}
		rounds = append(rounds, d)
		acked, ackTimes := "-", "-"
		if d.AckedAll > 0 {
			acked = ms(d.AckedAll)
		} else if o.acks {
			acked = fmt.Sprintf("%d only", d.Acked)
		}
		if d.AcksAfter > 0 {
			ackTimes = msList([]time.Duration{d.AckP50, d.AckP99, d.AckMax})
		}
		fmt.Printf("%-6d %-10s %8d %9d %6d %8d %8s %8s %8s %8s %6s %13s %22s  %s\n",
			r+1, change, d.Screens, d.Received, d.Lost, d.Dropped, ms(d.Min), ms(d.P50), ms(d.P99), ms(d.Max), load, acked, ackTimes, msList(used))
		if d.Lost > 0 {
			var f []string
			for _, rep := range reports {
				f = append(f, rep.Failures...)
			}
			printList("failures", f)
		}
		time.Sleep(o.pause)
	}
	return rounds, nil
}

// goalTable is the goals of the issue beside what the run measured: ok of
// the screens connected in the burst, the last after slowest seconds.
func goalTable(o options, ok int, slowest float64, rounds []delivery, kbPer []float64, storm stormResult) []goalRow {
	rows := []goalRow{
		{what: "connect burst: screens with content", unit: "screens", values: []float64{float64(ok)}, goal: float64(o.n)},
		{what: "connect burst: seconds until the last", unit: "s", values: []float64{slowest}, info: true},
		{what: "fan-out p50", unit: "ms", values: each(rounds, func(d delivery) float64 { return msf(d.P50) }), info: true},
		{what: "fan-out p99", unit: "ms", values: each(rounds, func(d delivery) float64 { return msf(d.P99) }), goal: msf(o.p99Goal()), atMost: true},
		{what: "fan-out max", unit: "ms", values: each(rounds, func(d delivery) float64 { return msf(d.Max) }), info: true},
		{what: "fan-out lost screens", unit: "", values: each(rounds, func(d delivery) float64 { return float64(d.Lost) }), goal: 0, atMost: true},
		{what: fmt.Sprintf("KB per screen after %d fan-outs (per instance)", len(rounds)), unit: "KB", values: kbPer, goal: goalKBPerCon, atMost: true},
	}
	if o.acks {
		// A round whose acks never all arrived counts as the wait.
		all := each(rounds, func(d delivery) float64 {
			if d.AckedAll > 0 {
				return d.AckedAll.Seconds()
			}
			return o.wait.Seconds()
		})
		// The servers' own instants of reading each ack: a round where
		// fewer screens acked than received the change counts as the wait.
		last := each(rounds, func(d delivery) float64 {
			if d.AcksAfter > 0 && d.AcksAfter >= d.Received {
				return d.AckMax.Seconds()
			}
			return o.wait.Seconds()
		})
		rows = append(rows,
			goalRow{what: "ack from the change, p50 (acknowledged_at)", unit: "ms", values: each(rounds, func(d delivery) float64 { return msf(d.AckP50) }), info: true},
			goalRow{what: "ack from the change, p99 (acknowledged_at)", unit: "ms", values: each(rounds, func(d delivery) float64 { return msf(d.AckP99) }), info: true},
			goalRow{what: "last ack from the change (acknowledged_at)", unit: "s", values: last, goal: goalAckedAll.Seconds(), atMost: true},
			goalRow{what: "every screen acknowledged (delivery report)", unit: "s", values: all, goal: goalAckedAll.Seconds(), atMost: true},
		)
	}
	if o.editors > 0 {
		allIn := []float64{}
		if storm.AllReady > 0 {
			allIn = append(allIn, storm.AllReady.Seconds())
		}
		rows = append(rows,
			goalRow{what: fmt.Sprintf("editors joining at once: closed or failed (of %d)", storm.Editors), values: []float64{float64(storm.Failed)}, goal: 0, atMost: true},
			goalRow{what: "editors: seconds until all joined, full list", unit: "s", values: allIn, goal: goalEditorsIn.Seconds(), atMost: true},
			goalRow{what: "edit to every other editor, p99", unit: "ms", values: each(storm.Edits, func(d delivery) float64 { return msf(d.P99) }), goal: msf(goalEditLatency), atMost: true},
			goalRow{what: "edit: editors it did not reach", values: each(storm.Edits, func(d delivery) float64 { return float64(d.Lost) }), goal: 0, atMost: true},
		)
	}
	return rows
}

// each is f of every round.
func each(ds []delivery, f func(delivery) float64) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = f(d)
	}
	return out
}

// msList is durations in ms, " / " between them (one per instance).
func msList(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = ms(d)
	}
	return strings.Join(out, " / ")
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

// printList prints at most ten lines of a list under its title.
func printList(title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Println(title + ":")
	for i, l := range lines {
		if i == 10 {
			fmt.Printf("  ... %d more\n", len(lines)-i)
			break
		}
		fmt.Println("  " + l)
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

// readCPU is each server's CPU time so far, then the client processes'
// together, then Redis's (0 where unreadable): on one machine the clients'
// and Redis's share of the cores is time the servers did not have.
func (b *bench) readCPU() []time.Duration {
	n := len(b.servers)
	out := make([]time.Duration, n+2)
	for i, s := range b.servers {
		out[i], _ = cpuTime(s.pid())
	}
	for _, c := range b.clients {
		used, _ := cpuTime(c.pid())
		out[n] += used
	}
	out[n+1] = redisCPU(b.redis)
	return out
}

// redisCPU is the CPU time Redis used so far (INFO cpu; 0 when unknown).
func redisCPU(client *redis.Client) time.Duration {
	if client == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := client.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	return parseRedisCPU(info)
}

// parseRedisCPU adds used_cpu_sys and used_cpu_user (seconds) of INFO cpu.
func parseRedisCPU(info string) time.Duration {
	var total time.Duration
	for line := range strings.SplitSeq(info, "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (name != "used_cpu_sys" && name != "used_cpu_user") {
			continue
		}
		if secs, err := strconv.ParseFloat(value, 64); err == nil {
			total += time.Duration(secs * float64(time.Second))
		}
	}
	return total
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

// switchEmergency switches the emergency for every group on or off: the
// first call creates it, later ones patch is_active. It returns its id.
func switchEmergency(addr, token string, sd *seeded, id string, on bool) (string, error) {
	method, path, want := http.MethodPatch, "/api/emergency-slideshows/"+id+"/", http.StatusOK
	body := map[string]any{"is_active": on}
	if id == "" {
		method, path, want = http.MethodPost, "/api/emergency-slideshows/", http.StatusCreated
		body = map[string]any{"slideshow_id": sd.Emergency, "display_website_group_ids": sd.Groups, "is_active": on}
	}
	raw, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path+"?branch_id="+sd.Branch, bytes.NewReader(raw))
	if err != nil {
		return id, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return id, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return id, fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, answer)
	}
	var out struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || out.ID == "" {
		return id, fmt.Errorf("%s %s: no id in %.300s", method, path, answer)
	}
	return out.ID.String(), nil
}

// ackSummary is the summary of GET /api/emergency-slideshows/<pk>/delivery/.
type ackSummary struct {
	Screens      int `json:"screens"`
	Acknowledged int `json:"acknowledged"`
}

// acks is what the last delivery report of a round said about the acks.
type acks struct {
	ackSummary
	// At is each screen's acknowledged_at from t0 (the instant the server
	// read its ack), of the screens that acknowledged after t0.
	At []time.Duration
}

// waitAcknowledged polls the emergency's delivery report until every
// screen acknowledged what its group plays now (the emergency, or the
// normal content once it is off), or wait passed; it returns when that
// was seen, after t0, and what the last report said.
func waitAcknowledged(addr, token, branch, id string, t0 time.Time, wait time.Duration) (time.Duration, acks, error) {
	var sum acks
	url := "http://" + addr + "/api/emergency-slideshows/" + id + "/delivery/?branch_id=" + branch
	for deadline := t0.Add(wait); ; time.Sleep(250 * time.Millisecond) { // each poll is a report of every screen
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return 0, sum, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, sum, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var rep struct {
			Summary ackSummary `json:"summary"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &rep) != nil {
			return 0, sum, fmt.Errorf("delivery report: HTTP %d: %.300s", resp.StatusCode, raw)
		}
		sum.ackSummary = rep.Summary
		all := sum.Screens > 0 && sum.Acknowledged >= sum.Screens
		took := time.Since(t0)
		if all || time.Now().After(deadline) {
			if sum.At, err = ackTimes(raw, t0); err != nil {
				return 0, sum, err
			}
			if !all {
				took = 0
			}
			return took, sum, nil
		}
	}
}

// ackTimes is, of a delivery report, every screen's acknowledged_at
// after t0, as a duration from t0. The server stores them to the
// millisecond, so an ack in t0's own millisecond counts as at t0.
func ackTimes(report []byte, t0 time.Time) ([]time.Duration, error) {
	var rep struct {
		Screens []struct {
			AcknowledgedAt *time.Time `json:"acknowledged_at"`
		} `json:"screens"`
	}
	if err := json.Unmarshal(report, &rep); err != nil {
		return nil, fmt.Errorf("delivery report: %w", err)
	}
	from := t0.Truncate(time.Millisecond)
	var out []time.Duration
	for _, sc := range rep.Screens {
		if at := sc.AcknowledgedAt; at != nil && !at.Before(from) {
			out = append(out, max(0, at.Sub(t0)))
		}
	}
	return out, nil
}
