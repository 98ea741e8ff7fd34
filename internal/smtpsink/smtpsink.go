// Package smtpsink is a real SMTP server for tests. It listens on a loopback
// TCP port, accepts every message (and any credentials), and keeps what it
// received so a test can read the decoded subject and bodies. Mail goes
// through the genuine network path (net/smtp, PocketBase's mailer), so a test
// sees the same encoding a production relay would.
package smtpsink

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MaxSize is the SIZE the sink advertises; larger messages get 552.
const MaxSize = 10 << 20

// waitBound is how long WaitFor waits before it fails the test; generous
// because slow CI machines must not cause flakes, finite so a missing mail
// cannot hang the whole run.
const waitBound = 10 * time.Second

// idleTimeout closes a client connection that stops talking, so a stuck
// client cannot keep a test's cleanup waiting for ever.
const idleTimeout = 30 * time.Second

// Sink is a running SMTP server. Its methods are safe for concurrent use.
type Sink struct {
	ln   net.Listener
	host string
	port int

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced whenever a message arrives
	failures []reply       // queued answers for the next DATA commands
	conns    map[net.Conn]struct{}
	closed   bool

	wg sync.WaitGroup
}

type reply struct {
	code int
	text string
}

// Start listens on 127.0.0.1 at a free port and stops the server (closing
// any open client connection) when the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpsink: listen: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &Sink{
		ln:      ln,
		host:    addr.IP.String(),
		port:    addr.Port,
		arrived: make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.stop)
	return s
}

// Host is the address to dial, always "127.0.0.1".
func (s *Sink) Host() string { return s.host }

// Port is the TCP port the sink listens on.
func (s *Sink) Port() int { return s.port }

// Addr is Host:Port, as net/smtp.SendMail wants it.
func (s *Sink) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Messages returns a copy of the messages received so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor blocks until at least n messages have arrived and returns all of
// them. After 10 seconds it fails the test instead, so call it from the
// test's own goroutine.
func (s *Sink) WaitFor(t testing.TB, n int) []Message {
	t.Helper()
	deadline := time.NewTimer(waitBound)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtpsink: waited %v for %d message(s), got %d", waitBound, n, got)
			return nil
		}
	}
}

// FailNext makes the next DATA command answer code and text (for example
// 554 "Transaction failed") instead of 354, so the message is not accepted.
// Calls queue up: two calls fail the next two DATA commands.
func (s *Sink) FailNext(code int, text string) {
	if text == "" {
		text = "Requested action not taken"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, reply{code, text})
}

func (s *Sink) stop() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // listener closed by stop
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			(&session{sink: s, conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}).run()
		}()
	}
}

func (s *Sink) nextFailure() (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return reply{}, false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	return f, true
}

func (s *Sink) store(m Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return len(s.messages)
}

// session is one client connection: the SMTP state machine of RFC 5321.
type session struct {
	sink *Sink
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer

	greeted bool     // EHLO or HELO seen
	from    *string  // reverse-path of the open transaction (nil: none)
	to      []string // forward-paths of the open transaction
}

var errQuit = errors.New("quit")

func (ss *session) run() {
	ss.reply(220, ss.sink.host+" smtpsink ESMTP ready")
	for {
		line, err := ss.readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if err := ss.command(strings.ToUpper(verb), strings.TrimSpace(arg)); err != nil {
			return
		}
	}
}

func (ss *session) command(verb, arg string) error {
	switch verb {
	case "EHLO":
		ss.reset()
		ss.greeted = true
		return ss.replyLines(250, ss.sink.host+" greets "+arg, "8BITMIME", "SIZE "+strconv.Itoa(MaxSize), "AUTH PLAIN LOGIN")
	case "HELO":
		ss.reset()
		ss.greeted = true
		return ss.reply(250, ss.sink.host+" greets "+arg)
	case "AUTH":
		return ss.auth(arg)
	case "MAIL":
		return ss.mail(arg)
	case "RCPT":
		return ss.rcpt(arg)
	case "DATA":
		return ss.data()
	case "RSET":
		ss.reset()
		return ss.reply(250, "2.0.0 OK")
	case "NOOP":
		return ss.reply(250, "2.0.0 OK")
	case "VRFY":
		return ss.reply(252, "2.1.5 Cannot VRFY user, but will accept message")
	case "QUIT":
		ss.reply(221, "2.0.0 Bye")
		return errQuit
	case "":
		return ss.reply(500, "5.5.2 Empty command")
	default: // STARTTLS included: it is not advertised
		return ss.reply(502, "5.5.2 Command not implemented")
	}
}

func (ss *session) reset() {
	ss.from, ss.to = nil, nil
}

// auth accepts any credentials: the sink tests what is sent, not who sends it.
func (ss *session) auth(arg string) error {
	if !ss.greeted {
		return ss.reply(503, "5.5.1 EHLO first")
	}
	mech, initial, _ := strings.Cut(arg, " ")
	var prompts []string
	switch strings.ToUpper(mech) {
	case "PLAIN":
		if initial == "" {
			prompts = []string{""}
		}
	case "LOGIN":
		prompts = []string{"Password:"}
		if initial == "" {
			prompts = []string{"Username:", "Password:"}
		}
	default:
		return ss.reply(504, "5.5.4 Unrecognized authentication type")
	}
	for _, p := range prompts {
		if err := ss.reply(334, base64.StdEncoding.EncodeToString([]byte(p))); err != nil {
			return err
		}
		answer, err := ss.readLine()
		if err != nil {
			return err
		}
		if answer == "*" {
			return ss.reply(501, "5.0.0 Authentication cancelled")
		}
		if _, err := base64.StdEncoding.DecodeString(answer); err != nil {
			return ss.reply(501, "5.5.2 Cannot decode response")
		}
	}
	return ss.reply(235, "2.7.0 Authentication successful")
}

func (ss *session) mail(arg string) error {
	switch {
	case !ss.greeted:
		return ss.reply(503, "5.5.1 EHLO first")
	case ss.from != nil:
		return ss.reply(503, "5.5.1 Nested MAIL command")
	}
	addr, params, ok := path(arg, "FROM:")
	if !ok {
		return ss.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
	}
	for _, p := range strings.Fields(params) {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "SIZE") {
			if n, err := strconv.Atoi(v); err == nil && n > MaxSize {
				return ss.reply(552, "5.3.4 Message size exceeds fixed maximum message size")
			}
		}
	}
	ss.from, ss.to = &addr, nil
	return ss.reply(250, "2.1.0 OK")
}

func (ss *session) rcpt(arg string) error {
	if ss.from == nil {
		return ss.reply(503, "5.5.1 Need MAIL command")
	}
	addr, _, ok := path(arg, "TO:")
	if !ok || addr == "" {
		return ss.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
	}
	ss.to = append(ss.to, addr)
	return ss.reply(250, "2.1.5 OK")
}

// path parses `FROM:<a@b> PARAMS` (prefix "FROM:") into the address and the
// ESMTP parameters. Clients may put a space after the colon.
func path(arg, prefix string) (addr, params string, ok bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", "", false
	}
	return rest[1:end], strings.TrimSpace(rest[end+1:]), true
}

func (ss *session) data() error {
	if ss.from == nil || len(ss.to) == 0 {
		return ss.reply(503, "5.5.1 Need RCPT command")
	}
	if f, ok := ss.sink.nextFailure(); ok {
		ss.reset()
		return ss.reply(f.code, f.text)
	}
	if err := ss.reply(354, "End data with <CR><LF>.<CR><LF>"); err != nil {
		return err
	}
	var raw bytes.Buffer
	tooBig := false
	for {
		ss.conn.SetReadDeadline(time.Now().Add(idleTimeout))
		line, err := ss.r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		// Dot-unstuffing (RFC 5321 4.5.2): the client doubled leading dots.
		line = strings.TrimPrefix(line, ".")
		if raw.Len()+len(line) > MaxSize {
			tooBig = true // keep reading up to the final dot to stay in sync
			continue
		}
		raw.WriteString(line)
	}
	from, to := *ss.from, ss.to
	ss.reset()
	if tooBig {
		return ss.reply(552, "5.3.4 Message size exceeds fixed maximum message size")
	}
	n := ss.sink.store(parse(from, to, raw.Bytes()))
	return ss.reply(250, fmt.Sprintf("2.0.0 OK: queued as %d", n))
}

func (ss *session) readLine() (string, error) {
	ss.conn.SetReadDeadline(time.Now().Add(idleTimeout))
	line, err := ss.r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (ss *session) reply(code int, text string) error {
	return ss.replyLines(code, text)
}

// replyLines writes a (possibly multi-line) reply: "250-a", "250-b", "250 c".
func (ss *session) replyLines(code int, lines ...string) error {
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	ss.conn.SetWriteDeadline(time.Now().Add(idleTimeout))
	return ss.w.Flush()
}
