package smtpsink_test

import (
	"mime"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/openstream-go/openstream/internal/smtpsink"
)

// long is longer than SMTP's 1000-octet line limit, so it only survives
// intact if quoted-printable soft line breaks are decoded.
var long = strings.Repeat("æøå ", 300)

func TestSendAndDecode(t *testing.T) {
	type want struct {
		from       string
		to         []string
		subject    string
		text, html string
		fromHeader string // the From header as written, when checked
	}
	cases := []struct {
		name string
		send func(t *testing.T, s *smtpsink.Sink) error
		want want
	}{
		{
			name: "net/smtp, plain ASCII, no auth",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				return smtp.SendMail(s.Addr(), nil, "a@b.dk", []string{"x@y.dk"},
					[]byte("From: a@b.dk\r\nTo: x@y.dk\r\nSubject: Hello\r\n\r\nLine one\r\nLine two\r\n"))
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk"}, subject: "Hello", text: "Line one\r\nLine two\r\n"},
		},
		{
			name: "net/smtp, PLAIN auth, dot-stuffed lines, two recipients",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				auth := smtp.PlainAuth("", "user", "secret", s.Host())
				return smtp.SendMail(s.Addr(), auth, "a@b.dk", []string{"x@y.dk", "z@y.dk"},
					[]byte("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n"))
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk", "z@y.dk"}, subject: "dots", text: ".leading dot\r\n..two dots\r\n.\r\nend\r\n"},
		},
		{
			name: "net/smtp, 8-bit UTF-8 body and encoded-word subject",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				subject := mime.BEncoding.Encode("utf-8", "Hej æøå")
				return smtp.SendMail(s.Addr(), nil, "a@b.dk", []string{"x@y.dk"},
					[]byte("Subject: "+subject+"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBrøndby\r\n"))
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk"}, subject: "Hej æøå", text: "Brøndby\r\n"},
		},
		{
			name: "net/smtp, multipart with base64 Latin-1 HTML and an attachment",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				body := "Subject: =?iso-8859-1?q?K=F8benhavn?=\r\n" +
					"MIME-Version: 1.0\r\n" +
					"Content-Type: multipart/mixed; boundary=\"OUT\"\r\n\r\n" +
					"--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n" +
					"--IN\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=F8benhavn\r\n" +
					"--IN\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+S/hiZW5o\r\nYXZuPC9wPg==\r\n" +
					"--IN--\r\n" +
					"--OUT\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nnot the body\r\n" +
					"--OUT--\r\n"
				return smtp.SendMail(s.Addr(), nil, "a@b.dk", []string{"x@y.dk"}, []byte(body))
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk"}, subject: "København", text: "København", html: "<p>København</p>"},
		},
		{
			name: "PocketBase mailer, no auth",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				return pbClient(s, "", "", "").Send(&mailer.Message{
					From:    mail.Address{Name: "OpenStream", Address: "a@b.dk"},
					To:      []mail.Address{{Address: "x@y.dk"}},
					Subject: "Hej æøå",
					Text:    "Hej æøå\n.dot line\n" + long,
					HTML:    "<p>Hej æøå</p>",
				})
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk"}, subject: "Hej æøå", text: "Hej æøå\n.dot line\n" + long, html: "<p>Hej æøå</p>", fromHeader: "OpenStream <a@b.dk>"},
		},
		{
			name: "PocketBase mailer, AUTH PLAIN, Cc and Bcc",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				return pbClient(s, "user", "secret", mailer.SMTPAuthPlain).Send(&mailer.Message{
					From:    mail.Address{Address: "a@b.dk"},
					To:      []mail.Address{{Address: "x@y.dk"}},
					Cc:      []mail.Address{{Address: "c@y.dk"}},
					Bcc:     []mail.Address{{Address: "b@y.dk"}},
					Subject: "Nulstil adgangskode",
					Text:    "Klik her",
					HTML:    "<a href=\"https://example.dk/?a=1&b=2\">Klik her</a>",
				})
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk", "b@y.dk", "c@y.dk"}, subject: "Nulstil adgangskode", text: "Klik her", html: "<a href=\"https://example.dk/?a=1&b=2\">Klik her</a>"},
		},
		{
			name: "PocketBase mailer, AUTH LOGIN, text derived from HTML",
			send: func(t *testing.T, s *smtpsink.Sink) error {
				return pbClient(s, "user", "secret", mailer.SMTPAuthLogin).Send(&mailer.Message{
					From:    mail.Address{Address: "a@b.dk"},
					To:      []mail.Address{{Address: "x@y.dk"}},
					Subject: "Ærø",
					HTML:    "<p>Ærø</p>",
				})
			},
			want: want{from: "a@b.dk", to: []string{"x@y.dk"}, subject: "Ærø", text: "Ærø", html: "<p>Ærø</p>"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := smtpsink.Start(t)
			if err := c.send(t, s); err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs := s.WaitFor(t, 1)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.ParseErr != nil {
				t.Errorf("parse error: %v", m.ParseErr)
			}
			if m.From != c.want.from {
				t.Errorf("envelope from %q, want %q", m.From, c.want.from)
			}
			// mailyak orders recipients To, Bcc, Cc; the set is what matters.
			if !sameSet(m.To, c.want.to) {
				t.Errorf("envelope to %q, want %q", m.To, c.want.to)
			}
			if m.Subject != c.want.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.want.subject)
			}
			// Quoted-printable turns the mailer's LF line ends into CRLF.
			if got := strings.ReplaceAll(m.TextBody, "\r\n", "\n"); got != strings.ReplaceAll(c.want.text, "\r\n", "\n") {
				t.Errorf("text body %q, want %q", m.TextBody, c.want.text)
			}
			if m.HTMLBody != c.want.html {
				t.Errorf("html body %q, want %q", m.HTMLBody, c.want.html)
			}
			if c.want.fromHeader != "" && m.Header.Get("From") != c.want.fromHeader {
				t.Errorf("From header %q, want %q", m.Header.Get("From"), c.want.fromHeader)
			}
		})
	}
}

func pbClient(s *smtpsink.Sink, user, password, method string) *mailer.SMTPClient {
	return &mailer.SMTPClient{Host: s.Host(), Port: s.Port(), TLS: false, Username: user, Password: password, AuthMethod: method}
}

func sameSet(a, b []string) bool {
	count := map[string]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func TestFailNext(t *testing.T) {
	s := smtpsink.Start(t)
	s.FailNext(554, "5.7.1 Rejected for testing")
	msg := &mailer.Message{From: mail.Address{Address: "a@b.dk"}, To: []mail.Address{{Address: "x@y.dk"}}, Subject: "s", HTML: "<p>x</p>"}

	err := pbClient(s, "", "", "").Send(msg)
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("first send: error %v, want a 554", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Fatalf("a failed send was stored: %d messages", n)
	}
	// The failure is used up: the next message goes through.
	if err := pbClient(s, "", "", "").Send(msg); err != nil {
		t.Fatalf("second send: %v", err)
	}
	s.WaitFor(t, 1)
}

// TestDialogue drives the protocol by hand for the commands the Go clients
// never send, and checks the replies' codes.
func TestDialogue(t *testing.T) {
	s := smtpsink.Start(t)
	c, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	steps := []struct {
		send string
		code int
		want string // substring of the reply text
	}{
		{"MAIL FROM:<a@b.dk>", 503, "EHLO first"},
		{"EHLO client.test", 250, "AUTH PLAIN LOGIN"},
		{"STARTTLS", 502, ""},
		{"NOOP", 250, ""},
		{"RCPT TO:<x@y.dk>", 503, "MAIL"},
		{"MAIL FROM:<a@b.dk> BODY=8BITMIME", 250, ""},
		{"MAIL FROM:<a@b.dk>", 503, "Nested"},
		{"DATA", 503, "RCPT"},
		{"RCPT TO: <x@y.dk>", 250, ""},
		{"RSET", 250, ""},
		{"DATA", 503, "RCPT"},
		{"MAIL FROM:<> SIZE=999999999", 552, ""},
		{"MAIL FROM:<>", 250, ""},
		{"RCPT TO:<x@y.dk>", 250, ""},
		{"DATA", 354, ""},
		{"Subject: bounce\r\n\r\n..x\r\n.", 250, "queued as 1"},
		{"HELO other.test", 250, ""},
		{"AUTH CRAM-MD5", 504, ""},
		{"FOO", 502, ""},
		{"QUIT", 221, ""},
	}
	for _, st := range steps {
		if err := c.PrintfLine("%s", st.send); err != nil {
			t.Fatal(err)
		}
		_, msg, err := c.ReadResponse(st.code)
		if err != nil {
			t.Fatalf("%q: %v", st.send, err)
		}
		if !strings.Contains(msg, st.want) {
			t.Errorf("%q: reply %q, want it to contain %q", st.send, msg, st.want)
		}
	}
	got := s.WaitFor(t, 1)[0]
	if got.From != "" || !reflect.DeepEqual(got.To, []string{"x@y.dk"}) || got.TextBody != ".x\r\n" || got.Subject != "bounce" {
		t.Errorf("stored %+v", got)
	}
}

// TestConcurrentSenders checks that parallel connections are all stored.
func TestConcurrentSenders(t *testing.T) {
	s := smtpsink.Start(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- smtp.SendMail(s.Addr(), nil, "a@b.dk", []string{"x@y.dk"}, []byte("Subject: "+strings.Repeat("x", i)+"\r\n\r\nbody\r\n"))
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := len(s.WaitFor(t, n)); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
}
