package mail

import (
	"context"
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// Conn sends many messages over one connection, as a newsletter's sender
// does: it connects and greets the server once for thousands of messages
// instead of once for each. It reconnects by itself after a connection
// breaks. One Conn is for one goroutine.
type Conn interface {
	// Send delivers one message. An error is a *DeliveryError, which says
	// whether the message may have gone.
	Send(ctx context.Context, m Message) error
	Close() error
}

// Connector opens connections for a batch of messages.
type Connector interface {
	Connect(ctx context.Context) (Conn, error)
}

// DeliveryError is why one message was not delivered, and whether it may
// have been after all. With neither Refused nor Unknown, the message did
// not go (the server could not be reached, or the connection broke before
// the message was whole), and may be sent again.
type DeliveryError struct {
	// Refused: the server answered the message with an error, and did not
	// take it.
	Refused bool
	// Permanent: the refusal was final (a 5xx reply): the address will not
	// take it however often it is tried.
	Permanent bool
	Code      int // the server's reply code, 0 when it gave none
	// Unknown: the connection broke after the whole message went and
	// before the server answered: it may have been taken.
	Unknown bool
	Err     error
}

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Connect opens a connection to the server, kept until Close or until ctx
// ends.
func (s SMTP) Connect(ctx context.Context) (Conn, error) {
	c := &smtpConn{smtp: s, life: ctx}
	if err := c.dial(); err != nil {
		return nil, err
	}
	return c, nil
}

type smtpConn struct {
	smtp   SMTP
	life   context.Context
	client *gomail.Client
}

// dial connects. Every message ends its own transaction, so neither a
// NOOP before nor a RSET after each is needed: each would cost a round
// trip per message.
func (c *smtpConn) dial() error {
	client, err := c.smtp.client(c.life, gomail.WithoutNoop(), gomail.WithoutRset())
	if err == nil {
		err = client.DialWithContext(c.life)
	}
	if err != nil {
		return &DeliveryError{Err: fmt.Errorf("smtp %s: %w", c.smtp.Addr, err)}
	}
	c.client = client
	return nil
}

func (c *smtpConn) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return &DeliveryError{Refused: true, Permanent: true, Err: err}
	}
	msg, err := c.smtp.message(m)
	if err != nil {
		return &DeliveryError{Refused: true, Permanent: true, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &DeliveryError{Err: err}
	}
	if c.client == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	err = c.client.Send(msg)
	if err == nil {
		return nil
	}
	de := classify(err, msg)
	if de == nil || !de.Refused || de.Code == 421 {
		// The connection is in an unknown state, or the server is
		// closing it: the next message starts a new one.
		c.drop()
	}
	if de == nil {
		return nil // delivered; only what followed failed
	}
	de.Err = fmt.Errorf("smtp %s: %w", c.smtp.Addr, de.Err)
	return de
}

func (c *smtpConn) drop() {
	if c.client != nil {
		c.client.Close()
		c.client = nil
	}
}

func (c *smtpConn) Close() error {
	if c.client == nil {
		return nil
	}
	err := c.client.Close()
	c.client = nil
	return err
}

// classify reads go-mail's error for one message: nil when the message
// was delivered after all.
func classify(err error, msg *gomail.Msg) *DeliveryError {
	if msg.IsDelivered() {
		return nil
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &DeliveryError{Err: err}
	}
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return &DeliveryError{Refused: true, Permanent: true, Err: err}
	case gomail.ErrSMTPDataClose:
		if code == 0 {
			return &DeliveryError{Unknown: true, Err: err}
		}
	}
	if code >= 400 {
		return &DeliveryError{Refused: true, Permanent: code >= 500, Code: code, Err: err}
	}
	return &DeliveryError{Err: err}
}

// Each sends messages one by one through a Sender (the outbox, or a
// single SMTP delivery each), for where no connection is worth keeping.
type Each struct{ Sender Sender }

// Connect returns a connection that hands each message to the sender.
func (e Each) Connect(context.Context) (Conn, error) { return eachConn(e), nil }

type eachConn Each

func (e eachConn) Send(ctx context.Context, m Message) error {
	if err := e.Sender.Send(ctx, m); err != nil {
		var de *DeliveryError
		if errors.As(err, &de) {
			return de
		}
		return &DeliveryError{Err: err}
	}
	return nil
}

func (eachConn) Close() error { return nil }
