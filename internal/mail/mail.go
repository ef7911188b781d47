// Package mail sends the emails Broadsheet writes (sign-in links, receipts,
// later newsletters). Over SMTP when a server is configured; otherwise into
// an outbox in the database that admins read in the browser, which is what
// the demo does.
package mail

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Message is one email: plain text, with an HTML alternative when HTML is
// set (a newsletter's).
type Message struct {
	To      string
	Subject string
	Body    string
	HTML    string
	// Headers are extra header fields, such as a newsletter's
	// List-Unsubscribe and List-Unsubscribe-Post.
	Headers map[string]string
	// Key names the one event the message tells of (a renewal's notice, a
	// term's receipt), or is empty. A job that sent it and died before
	// recording so sends it again: the outbox keeps it once, and over SMTP
	// both copies carry one Message-ID, by which mail clients show one.
	Key string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// OutboxStore is where the outbox keeps messages.
type OutboxStore interface {
	// AddToOutbox keeps a message, once per key when it has one.
	AddToOutbox(ctx context.Context, to, subject, body, key string, now time.Time) error
	Outbox(ctx context.Context, limit int) ([]OutboxMessage, error)
}

// OutboxMessage is an email kept in the outbox instead of being sent.
type OutboxMessage struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
}

// Outbox keeps messages in the database instead of sending them.
type Outbox struct {
	Store OutboxStore
	Now   func() time.Time
}

// Send stores the message; one with the key of a message kept already is
// that message again, and is not kept twice.
func (o Outbox) Send(ctx context.Context, m Message) error {
	return o.Store.AddToOutbox(ctx, m.To, m.Subject, m.Body, m.Key, o.Now())
}

// Messages lists the newest kept messages first, for the admins' outbox page.
func (o Outbox) Messages(ctx context.Context, limit int) ([]OutboxMessage, error) {
	return o.Store.Outbox(ctx, limit)
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

// ownHeaders are the fields the sender writes itself; Message.Headers may
// not set them.
var ownHeaders = []string{"From", "To", "Cc", "Bcc", "Subject", "Date", "Message-Id", "Mime-Version",
	"Content-Type", "Content-Transfer-Encoding", "Sender", "Reply-To"}

// check refuses what would let a value write header fields of its own: a
// line break in a recipient, a subject or a header, or a header name that
// is not one.
func (m Message) check() error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("mail header contains a line break")
	}
	for name, value := range m.Headers {
		if !fieldName(name) {
			return fmt.Errorf("mail header name %q is not a field name", name)
		}
		for _, own := range ownHeaders {
			if strings.EqualFold(name, own) {
				return fmt.Errorf("mail header %q is set by the sender", name)
			}
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("mail header %s contains a line break", name)
		}
	}
	return nil
}

// fieldName reports whether s is a header field name: printable ASCII
// without a colon (RFC 5322, section 3.6.8).
func fieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}
