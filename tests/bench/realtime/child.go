package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// One process holds at most about ten thousand client sockets (its file
// limit, and its own garbage collector, which would otherwise become what
// is measured), so the screens are spread over client processes: this
// program run with -child. The parent talks to each over its stdin and
// stdout, one JSON object per line.

// childConfig is the first line a client process reads.
type childConfig struct {
	URLs     []string `json:"urls"`
	Key      string   `json:"key"`
	IDs      []string `json:"ids"`
	Inst     []int    `json:"inst"` // Inst[i] indexes URLs for IDs[i]
	Pool     int      `json:"pool"`
	Compress bool     `json:"compress"`
	Acks     bool     `json:"acks"`
}

// command is a later line: connect, arm (with Mark), collect (with
// WaitMS) or close.
type command struct {
	Cmd    string `json:"cmd"`
	Mark   string `json:"mark,omitempty"`
	WaitMS int64  `json:"wait_ms,omitempty"`
}

// report answers each command.
type report struct {
	Event    string   `json:"event"`
	OK       int      `json:"ok,omitempty"`      // screens with content (connect, collect)
	Seconds  float64  `json:"seconds,omitempty"` // connect: until the last screen had content or failed
	Failures []string `json:"failures,omitempty"`
	At       []int64  `json:"at,omitempty"` // collect: unix ns receipts of the round
	Lost     int      `json:"lost,omitempty"`
	Dropped  int      `json:"dropped,omitempty"`
	Bytes    int64    `json:"bytes,omitempty"` // connect: size of a first content message
	Error    string   `json:"error,omitempty"`
}

// runChild serves the parent's commands until close or end of input.
func runChild(in io.Reader, out io.Writer) error {
	dec, enc := json.NewDecoder(bufio.NewReader(in)), json.NewEncoder(out)
	var cfg childConfig
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if len(cfg.IDs) != len(cfg.Inst) {
		return errors.New("config: ids and inst differ in length")
	}
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	c := newClient(cfg.Key, cfg.Compress)
	c.acks = cfg.Acks
	screens := make([]*screen, len(cfg.IDs))
	for i, id := range cfg.IDs {
		screens[i] = &screen{id: id, inst: cfg.Inst[i]}
	}
	defer func() {
		for _, s := range screens {
			s.close()
		}
	}()
	for {
		var cmd command
		if err := dec.Decode(&cmd); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		var r report
		switch cmd.Cmd {
		case "connect":
			start := time.Now()
			c.connectAll(screens, cfg.URLs, cfg.Pool, nil)
			r = report{Event: "connected", OK: count(screens, (*screen).hasContent), Seconds: time.Since(start).Seconds(), Failures: failures(screens)}
			for _, s := range screens {
				if n := s.contentLen.Load(); n > 0 {
					r.Bytes = n
					break
				}
			}
		case "arm":
			c.arm(screens, []byte(cmd.Mark))
			r = report{Event: "armed"}
		case "collect":
			r = collect(screens, time.Duration(cmd.WaitMS)*time.Millisecond)
		case "close":
			return enc.Encode(report{Event: "closed"})
		default:
			r = report{Event: "error", Error: fmt.Sprintf("unknown command %q", cmd.Cmd)}
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
}

// collect waits up to wait for every connected screen's receipt of the
// round and reports them.
func collect(screens []*screen, wait time.Duration) report {
	connected := count(screens, (*screen).hasContent)
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && count(screens, func(s *screen) bool { return s.roundAt.Load() != 0 }) < connected {
		time.Sleep(5 * time.Millisecond)
	}
	r := report{Event: "collected", Failures: failures(screens)}
	for _, s := range screens {
		if s.contentAt.Load() == 0 {
			continue
		}
		r.OK++
		if at := s.roundAt.Load(); at != 0 {
			r.At = append(r.At, at)
			continue
		}
		r.Lost++
		if s.closed.Load() {
			r.Dropped++
		}
	}
	return r
}

// childProc is the parent's handle of one client process.
type childProc struct {
	cmd  *exec.Cmd
	enc  *json.Encoder
	dec  *json.Decoder
	in   io.Closer
	done chan struct{}
}

// startChild runs this program with -child and sends it cfg.
func startChild(cfg childConfig) (*childProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-child")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &childProc{cmd: cmd, enc: json.NewEncoder(in), dec: json.NewDecoder(out), in: in, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, p.enc.Encode(cfg)
}

func (p *childProc) pid() int { return p.cmd.Process.Pid }

// ask sends cmd and reads the answer.
func (p *childProc) ask(cmd command) (report, error) {
	var r report
	if err := p.enc.Encode(cmd); err != nil {
		return r, fmt.Errorf("client process %d: %w", p.pid(), err)
	}
	if err := p.dec.Decode(&r); err != nil {
		return r, fmt.Errorf("client process %d: %w", p.pid(), err)
	}
	if r.Error != "" {
		return r, fmt.Errorf("client process %d: %s", p.pid(), r.Error)
	}
	return r, nil
}

// stop asks the process to close its sockets and waits for it.
func (p *childProc) stop() {
	_, _ = p.ask(command{Cmd: "close"})
	_ = p.in.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// fleet is every client process; askAll sends a command to all at once.
type fleet []*childProc

func (f fleet) askAll(cmd command) ([]report, error) {
	out := make([]report, len(f))
	errs := make([]error, len(f))
	var wg sync.WaitGroup
	for i, p := range f {
		wg.Go(func() { out[i], errs[i] = p.ask(cmd) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
