// Package mail sends the emails Broadsheet writes (sign-in links, receipts).
// Over SMTP when a server is configured; otherwise into an outbox in the
// database that admins read in the browser, which is what the demo does.
package mail

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// OutboxStore is where the outbox keeps messages.
type OutboxStore interface {
	AddToOutbox(ctx context.Context, to, subject, body string, now time.Time) error
}

// Outbox keeps messages in the database instead of sending them.
type Outbox struct {
	Store OutboxStore
	Now   func() time.Time
}

// Send stores the message.
func (o Outbox) Send(ctx context.Context, m Message) error {
	return o.Store.AddToOutbox(ctx, m.To, m.Subject, m.Body, o.Now())
}

// SMTP sends through an SMTP server with PLAIN auth when a user is set.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Send delivers the message over SMTP.
func (s SMTP) Send(ctx context.Context, m Message) error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("mail header contains a line break")
	}
	var auth smtp.Auth
	if s.Username != "" {
		host, _, _ := net.SplitHostPort(s.Addr)
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	msg := "From: " + s.From + "\r\nTo: " + m.To + "\r\nSubject: " + m.Subject +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(m.Body, "\n", "\r\n")
	return smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, []byte(msg))
}

// Printed writes each message to W (the terminal of whoever runs the
// demo) before handing it on, so that sign-in links, which the admin
// outbox hides, reach the person trying the demo.
type Printed struct {
	Sender
	W io.Writer
}

// Send prints the message, then sends it.
func (p Printed) Send(ctx context.Context, m Message) error {
	fmt.Fprintf(p.W, "\n--- email to %s: %s\n%s---\n", m.To, m.Subject, m.Body)
	return p.Sender.Send(ctx, m)
}
