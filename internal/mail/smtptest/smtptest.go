// Package smtptest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp, in process): it keeps what it is sent, or
// only counts it, and can refuse recipients or hold its answers, so that
// tests read delivered messages, headers and bodies as a mail client would.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Options shape the server's behaviour.
type Options struct {
	// Refuse, when set, answers RCPT TO for an address with the error it
	// returns (nil takes the address), e.g. a 550 for some.
	Refuse func(rcpt string) *smtp.SMTPError
	// Received, when set, is called with each message once it is whole
	// and kept, before the server answers it: a test may hold the answer
	// there (while a process is killed).
	Received func(m *Message)
	// CountOnly keeps no message, only counts them per recipient: for
	// benchmarks.
	CountOnly bool
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	opts Options

	mu       sync.Mutex
	messages []*Message
	perRcpt  map[string]int
	total    atomic.Int64
	srv      *smtp.Server
}

// Message is a message the server took.
type Message struct {
	From string
	To   []string
	Raw  []byte
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, perRcpt: map[string]int{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	// Clients that die mid-conversation are what some tests are about.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 50
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Messages returns the messages kept so far, in the order taken.
func (s *Server) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.messages...)
}

// Total is how many messages the server took.
func (s *Server) Total() int { return int(s.total.Load()) }

// PerRecipient returns how many messages each address was sent.
func (s *Server) PerRecipient() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perRcpt))
	for k, v := range s.perRcpt {
		out[k] = v
	}
	return out
}

// To returns the messages sent to an address.
func (s *Server) To(addr string) []*Message {
	var out []*Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.opts.Refuse != nil {
		if err := x.s.opts.Refuse(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, strings.ToLower(to))
	return nil
}

func (x *session) Data(r io.Reader) error {
	m := &Message{From: x.from, To: x.to}
	var err error
	if x.s.opts.CountOnly {
		_, err = io.Copy(io.Discard, r)
	} else {
		m.Raw, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	if !x.s.opts.CountOnly {
		x.s.messages = append(x.s.messages, m)
	}
	for _, to := range x.to {
		x.s.perRcpt[to]++
	}
	x.s.mu.Unlock()
	x.s.total.Add(1)
	if x.s.opts.Received != nil {
		x.s.opts.Received(m)
	}
	return nil
}

// Header returns a header field of the message, decoded.
func (m *Message) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Parts returns the message's text and HTML bodies, decoded.
func (m *Message) Parts() (text, html string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return "", "", err
	}
	return walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func walk(contentType, encoding string, body io.Reader) (text, html string, err error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", "", err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return text, html, nil
			}
			if err != nil {
				return "", "", err
			}
			t, h, err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err != nil {
				return "", "", err
			}
			text, html = text+t, html+h
		}
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = newBase64(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", "", err
	}
	switch mt {
	case "text/plain":
		return string(data), "", nil
	case "text/html":
		return "", string(data), nil
	}
	return "", "", nil
}

// newBase64 decodes a base64 body whose lines are broken.
func newBase64(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, &stripNewlines{r: r})
}

type stripNewlines struct{ r io.Reader }

func (s *stripNewlines) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
