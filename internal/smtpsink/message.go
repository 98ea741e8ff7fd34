package smtpsink

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// Message is one accepted message: the SMTP envelope, the raw RFC 5322 data
// and, for convenience, its decoded subject and text and HTML bodies.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO), Bcc included
	Data []byte   // the message as sent, dot-unstuffed, CRLF line ends kept

	Header   mail.Header // parsed header fields, values still MIME-encoded
	Subject  string      // decoded (RFC 2047 encoded-words resolved)
	TextBody string      // first text/plain part that is not an attachment, decoded to UTF-8
	HTMLBody string      // first text/html part that is not an attachment, decoded to UTF-8

	// ParseErr says why Header, Subject or the bodies are incomplete; a
	// malformed message is still accepted, as a relay would.
	ParseErr error
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func parse(from string, to []string, data []byte) Message {
	m := Message{From: from, To: to, Data: data}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		m.ParseErr = err
		return m
	}
	m.Header = msg.Header
	if m.Subject, err = wordDecoder.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.Subject = msg.Header.Get("Subject")
		m.ParseErr = fmt.Errorf("subject: %w", err)
	}
	if err := m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body); err != nil && m.ParseErr == nil {
		m.ParseErr = err
	}
	return m
}

// walk visits a MIME entity, descending into multipart containers, and keeps
// the first inline text/plain and text/html bodies.
func (m *Message) walk(contentType, encoding, disposition string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii" // RFC 2045 5.2 default
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			// Raw parts: the transfer encoding is decoded below, for every
			// part alike (NextPart would decode only quoted-printable).
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}
	if d, _, _ := mime.ParseMediaType(disposition); d == "attachment" {
		return nil
	}
	var target *string
	switch mediaType {
	case "text/plain":
		target = &m.TextBody
	case "text/html":
		target = &m.HTMLBody
	}
	if target == nil || *target != "" {
		return nil
	}
	text, err := decodeText(body, encoding, params["charset"])
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	*target = text
	return nil
}

func decodeText(body io.Reader, encoding, charset string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips CR and LF
	}
	if charset != "" {
		var err error
		if body, err = charsetReader(charset, body); err != nil {
			return "", err
		}
	}
	raw, err := io.ReadAll(body)
	return string(raw), err
}

// charsetReader converts charset to UTF-8; UTF-8 and US-ASCII pass unchanged.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", charset, err)
	}
	return enc.NewDecoder().Reader(r), nil
}
