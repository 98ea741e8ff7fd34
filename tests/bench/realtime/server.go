package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// server is one openstream process: serve, or edge (-edges).
type server struct {
	name, addr, logPath string
	cmd                 *exec.Cmd
	log                 *os.File
	done                chan struct{} // closed when the process has exited
	err                 error         // its exit status, once done
}

// startServer runs bin with args (the command and its flags) and waits
// until /api/health on addr answers 200.
func startServer(name, bin string, args []string, addr, dir string, env []string) (*server, error) {
	s := &server{name: name, addr: addr, logPath: filepath.Join(dir, "server-"+name+".log"), done: make(chan struct{})}
	var err error
	if s.log, err = os.Create(s.logPath); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// Its own process group (Ctrl-C is ours to handle), and killed with us.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		if err := s.exited(); err != nil {
			return s, fmt.Errorf("instance %s exited during start-up: %w", name, err)
		}
		resp, err := client.Get("http://" + addr + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("instance %s: /api/health not 200 within 60s (last: %v)", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// exited is non-nil once the process has ended.
func (s *server) exited() error {
	select {
	case <-s.done:
		if s.err == nil {
			return fmt.Errorf("exit status 0")
		}
		return s.err
	default:
		return nil
	}
}

// stop sends SIGTERM, then SIGKILL after 5s.
func (s *server) stop() {
	if s.exited() == nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	s.log.Close()
}

// printTail writes the last lines of the server's log.
func (s *server) printTail(w io.Writer, lines int) {
	raw, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	all := bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n"))
	from := max(0, len(all)-lines)
	fmt.Fprintf(w, "--- last %d lines of %s (%s) ---\n", len(all)-from, s.logPath, s.name)
	for _, l := range all[from:] {
		fmt.Fprintf(w, "%s\n", l)
	}
}

// logEntry is a row of PocketBase's _logs (auxiliary.db), where app.Logger()
// writes: the servers' stdout holds little more than the start banner.
type logEntry struct {
	Created, Message, Data string
	Level                  int
}

// serverWarnings reads the warnings and errors both instances logged (they
// share the data dir). Call it after they stopped: logs are written in batches.
func serverWarnings(data string) (total int, last []logEntry, err error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "auxiliary.db")+"?mode=ro")
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	if err := db.QueryRow("SELECT COUNT(*) FROM _logs WHERE level >= 4").Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := db.Query("SELECT created, level, message, data FROM _logs WHERE level >= 4 ORDER BY created DESC LIMIT 20")
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e logEntry
		if err := rows.Scan(&e.Created, &e.Level, &e.Message, &e.Data); err != nil {
			return 0, nil, err
		}
		last = append(last, e)
	}
	return total, last, rows.Err()
}
