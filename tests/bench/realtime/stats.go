package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// delivery is the latency summary of one round over a set of sockets.
type delivery struct {
	Screens  int // sockets that were connected
	Received int
	Lost     int // connected, but nothing within the wait
	Dropped  int // of Lost: their socket had ended
	Min, P50 time.Duration
	P99, Max time.Duration
	// Acked screens the delivery report counted, and when all had (0: not
	// within the wait).
	Acked    int
	AckedAll time.Duration
	// Of the acks the servers read after the change (the report's
	// acknowledged_at): how many, and their p50, p99 and last from t0.
	AcksAfter              int
	AckP50, AckP99, AckMax time.Duration
}

// ackLatencies records the acks' times from t0 in d.
func (d *delivery) ackLatencies(at []time.Duration) {
	d.AcksAfter = len(at)
	_, d.AckP50, d.AckP99, d.AckMax = quantiles(slices.Clone(at))
}

// latencies summarises receipts (unix ns) against t0, with lost sockets
// that received nothing (dropped of them closed).
func latencies(at []int64, t0 time.Time, lost, dropped int) delivery {
	d := delivery{Screens: len(at) + lost, Received: len(at), Lost: lost, Dropped: dropped}
	lat := make([]time.Duration, len(at))
	for i, v := range at {
		lat[i] = time.Duration(v - t0.UnixNano())
	}
	d.Min, d.P50, d.P99, d.Max = quantiles(lat)
	return d
}

// quantiles sorts lat and returns its min, p50, p99 and max (zeros for none).
func quantiles(lat []time.Duration) (lo, p50, p99, hi time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(lat)
	return lat[0], percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
}

// merge summarises the reports of every client process for one round.
func merge(reports []report, t0 time.Time) delivery {
	var at []int64
	lost, dropped := 0, 0
	for _, r := range reports {
		at = append(at, r.At...)
		lost += r.Lost
		dropped += r.Dropped
	}
	return latencies(at, t0, lost, dropped)
}

// spread is the min, median and max of values (zeros for none).
func spread(values []float64) (lo, mid, hi float64) {
	if len(values) == 0 {
		return 0, 0, 0
	}
	v := slices.Clone(values)
	slices.Sort(v)
	mid = v[len(v)/2]
	if len(v)%2 == 0 {
		mid = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[0], mid, v[len(v)-1]
}

// percentile is the nearest-rank percentile of sorted values (0 for none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }

// rssKB is VmRSS of pid in KB.
func rssKB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseRSS(f)
}

func parseRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS line")
}

// failures counts the screens' failure reasons, most frequent first.
func failures(screens []*screen) []string {
	count := map[string]int{}
	for _, s := range screens {
		if f := s.Failure(); f != "" {
			count[f]++
		}
	}
	out := make([]string, 0, len(count))
	for f, n := range count {
		out = append(out, fmt.Sprintf("%6d × %s", n, f))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out
}

// cpuTime is the user+system CPU time pid has used (from /proc/<pid>/stat,
// in USER_HZ ticks, 100 a second on Linux).
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseCPU(string(raw))
}

func parseCPU(stat string) (time.Duration, error) {
	// The command name (field 2) may hold spaces: count from its ")".
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("bad stat line")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bad stat line")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad stat line")
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// dbConns counts pid's open data.db files: one per SQLite connection in
// its pools (each with its own page cache, outside the Go heap).
func dbConns(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasSuffix(target, "/data.db") {
			n++
		}
	}
	return n
}

// count is how many of xs have ok.
func count[T any](xs []T, ok func(T) bool) (n int) {
	for _, x := range xs {
		if ok(x) {
			n++
		}
	}
	return n
}
