package testio

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Process is a program a test started; it is stopped when the test ends,
// and its output logged when the test failed.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	Logs *Buffer
	done chan struct{}
}

// Start runs cmd, its output collected in Logs.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Name: name, Cmd: cmd, Logs: &Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Logs, p.Logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.Logs)
		}
	})
	return p
}

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the process to end as an operator's SIGTERM would, so it
// flushes its logs, and kills it when it does not within 30 seconds.
func (p *Process) Stop() {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.Kill()
	}
}

// Kill ends the process at once, as a crash or a power cut would.
func (p *Process) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}
