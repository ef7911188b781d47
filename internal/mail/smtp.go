package mail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// How long a delivery may take: a server that stops answering must not
// hold a job (and its worker) for ever.
const (
	// ConnectTimeout bounds connecting, and each reply the server owes.
	ConnectTimeout = 10 * time.Second
	// SendTimeout bounds one whole delivery, from connecting to the last reply.
	SendTimeout = 30 * time.Second
)

// SMTP sends through an SMTP server. The connection is encrypted with
// STARTTLS whenever the server offers it (and the server's certificate
// must then be valid); credentials, when a user is set, go by PLAIN over
// an encrypted connection or to a server on localhost only.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
	// RequireTLS refuses a server that does not offer STARTTLS.
	RequireTLS bool
	// TLS is how the server's certificate is checked; nil: against the
	// system's roots, for the host of Addr.
	TLS *tls.Config
	// ConnectTimeout and SendTimeout replace the defaults when set.
	ConnectTimeout, SendTimeout time.Duration
}

// Send delivers the message over SMTP, giving up at SendTimeout or when
// ctx ends.
func (s SMTP) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, positive(s.SendTimeout, SendTimeout))
	defer cancel()
	client, err := s.client(ctx)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("smtp %s: %w (%v)", s.Addr, ctx.Err(), err)
		}
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

// message builds the email: its headers encoded (a UTF-8 subject as an
// encoded word), a Message-ID in the sender's domain, and the body as
// quoted-printable UTF-8 text.
func (s SMTP) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.From); err != nil {
		return nil, fmt.Errorf("mail sender %q: %w", s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	id, err := messageID(msg.GetFromString(), m.Key)
	if err != nil {
		return nil, err
	}
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	for name, value := range m.Headers {
		msg.SetGenHeader(gomail.Header(name), value)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID is an id at the domain of the sender's address: random, or
// for a message with a key the same for every copy from this sender.
func messageID(from []string, key string) (string, error) {
	domain, sender := "localhost", ""
	if len(from) > 0 {
		sender = from[0]
		if at := strings.LastIndexByte(from[0], '@'); at >= 0 {
			domain = strings.TrimSuffix(from[0][at+1:], ">")
		}
	}
	if key != "" {
		sum := sha256.Sum256([]byte(sender + "\x00" + key))
		return hex.EncodeToString(sum[:16]) + "@" + domain, nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]) + "@" + domain, nil
}

// client is a go-mail client for s whose connection is closed when ctx
// ends: go-mail's own timeout (ConnectTimeout) restarts with each
// command, so only this bounds the delivery as a whole.
func (s SMTP) client(ctx context.Context, more ...gomail.Option) (*gomail.Client, error) {
	host, portText, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: bad port", s.Addr)
	}
	policy := gomail.TLSOpportunistic
	if s.RequireTLS {
		policy = gomail.TLSMandatory
	}
	tlsConfig := s.TLS
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(positive(s.ConnectTimeout, ConnectTimeout)),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(func(dialCtx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(dialCtx, network, addr)
			if err == nil {
				context.AfterFunc(ctx, func() { conn.Close() })
			}
			return conn, err
		}),
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return gomail.NewClient(host, append(opts, more...)...)
}

func positive(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
