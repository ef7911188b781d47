package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"mime"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// server is a small SMTP server on loopback that accepts one message and
// hands back what it received.
type server struct {
	tls        *tls.Config // offer STARTTLS with this certificate
	silent     bool        // accept the connection and never greet
	hangAtData bool        // take the message and never answer
}

// received is what the server got: every line of the conversation, and
// whether the message came over TLS.
type received struct {
	transcript string
	overTLS    bool
}

func (cfg server) start(t *testing.T) (addr string, got <-chan received) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang); ln.Close() })
	ch := make(chan received, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if cfg.silent {
			<-hang
			return
		}
		var got received
		r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
		reply := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
		reply("220 test ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			got.transcript += strings.TrimSpace(line) + "\n"
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				if cfg.tls != nil && !got.overTLS {
					reply("250-test\r\n250 STARTTLS")
				} else {
					reply("250 test")
				}
			case strings.HasPrefix(cmd, "STARTTLS"):
				reply("220 go ahead")
				tlsConn := tls.Server(conn, cfg.tls)
				if err := tlsConn.Handshake(); err != nil {
					return
				}
				got.overTLS = true
				r, w = bufio.NewReader(tlsConn), bufio.NewWriter(tlsConn)
			case strings.HasPrefix(cmd, "DATA"):
				reply("354 go ahead")
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					got.transcript += l
				}
				if cfg.hangAtData {
					<-hang
					return
				}
				reply("250 queued")
			case strings.HasPrefix(cmd, "QUIT"):
				reply("221 bye")
				ch <- got
				return
			default:
				reply("250 ok")
			}
		}
	}()
	return ln.Addr().String(), ch
}

// headers is the header section of the message in a transcript.
func headers(transcript string) string {
	start := strings.Index(transcript, "DATA\n")
	end := strings.Index(transcript[start:], "\r\n\r\n")
	return transcript[start : start+end]
}

func TestSMTPDelivers(t *testing.T) {
	addr, got := server{}.start(t)
	s := SMTP{Addr: addr, From: "Broadsheet <news@example.com>"}
	err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "Your sign-in link", Body: "Open this link:\nhttp://x/login/link/abc\n"})
	if err != nil {
		t.Fatal(err)
	}
	transcript := (<-got).transcript
	for _, want := range []string{"MAIL FROM:<news@example.com>", "RCPT TO:<reader@example.com>", "Subject: Your sign-in link",
		"Message-ID: <", "@example.com>\r\n", "Date: ", "http://x/login/link/abc\r\n"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the server did not receive %q:\n%s", want, transcript)
		}
	}
}

// A newsletter's unsubscribe headers arrive as given.
func TestSMTPSendsExtraHeaders(t *testing.T) {
	addr, got := server{}.start(t)
	s := SMTP{Addr: addr, From: "news@example.com"}
	m := Message{To: "reader@example.com", Subject: "This week", Body: "News.\n", Headers: map[string]string{
		"List-Unsubscribe":      "<https://news.example.com/unsubscribe/abc>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	h := headers((<-got).transcript)
	for name, value := range m.Headers {
		if !strings.Contains(h, "\r\n"+name+": "+value+"\r\n") {
			t.Errorf("the message lacks %s: %s:\n%s", name, value, h)
		}
	}
}

// A subject in Hindi or with a rupee sign arrives as an encoded word that
// decodes to what was sent: headers carry ASCII only.
func TestSMTPEncodesAUTF8Subject(t *testing.T) {
	addr, got := server{}.start(t)
	subject := "आपकी रसीद: ₹499 — Smart Essential"
	s := SMTP{Addr: addr, From: "news@example.com"}
	if err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: subject, Body: "धन्यवाद\n"}); err != nil {
		t.Fatal(err)
	}
	h := headers((<-got).transcript)
	for _, c := range h {
		if c > 126 {
			t.Fatalf("the headers carry %q unencoded:\n%s", c, h)
		}
	}
	var encoded string
	for line := range strings.SplitSeq(strings.ReplaceAll(h, "\r\n ", " "), "\r\n") { // unfolded
		if v, ok := strings.CutPrefix(line, "Subject:"); ok {
			encoded = strings.TrimSpace(v)
		}
	}
	decoded, err := new(mime.WordDecoder).DecodeHeader(encoded)
	if err != nil || decoded != subject {
		t.Errorf("the subject %q decodes to %q (%v), want %q", encoded, decoded, err, subject)
	}
}

// A server that offers STARTTLS gets the message encrypted; one that does
// not is refused when TLS is required.
func TestSMTPUsesSTARTTLSWhenOffered(t *testing.T) {
	cert, roots := selfSigned(t)
	addr, got := server{tls: &tls.Config{Certificates: []tls.Certificate{cert}}}.start(t)
	s := SMTP{Addr: addr, From: "news@example.com", TLS: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}
	if err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "x", Body: "x\n"}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; !r.overTLS || !strings.Contains(r.transcript, "STARTTLS") {
		t.Errorf("the message was sent in the clear to a server that offers STARTTLS:\n%s", r.transcript)
	}

	plain, _ := server{}.start(t)
	s = SMTP{Addr: plain, From: "news@example.com", RequireTLS: true}
	if err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "x", Body: "x\n"}); err == nil {
		t.Error("a server without STARTTLS got the message though TLS is required")
	}
}

// A server that accepts the connection and never says a word is given up
// at the connect timeout.
func TestSMTPGivesUpOnASilentServer(t *testing.T) {
	addr, _ := server{silent: true}.start(t)
	s := SMTP{Addr: addr, From: "news@example.com", ConnectTimeout: 100 * time.Millisecond, SendTimeout: time.Hour}
	err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "x", Body: "x"})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("a silent server: %v, want a timeout", err)
	}
}

// A server that takes the message and never answers is given up at the
// send timeout, though each command's own timeout is far off.
func TestSMTPGivesUpOnAServerThatHangs(t *testing.T) {
	addr, _ := server{hangAtData: true}.start(t)
	s := SMTP{Addr: addr, From: "news@example.com", ConnectTimeout: time.Hour, SendTimeout: 100 * time.Millisecond}
	err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "x", Body: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a hanging server: %v, want the send timeout", err)
	}
}

// Values that would write header fields of their own are refused before
// anything is sent.
func TestSMTPRefusesHeaderInjection(t *testing.T) {
	ok := Message{To: "reader@example.com", Subject: "x", Body: "x"}
	for name, m := range map[string]Message{
		"recipient": {To: "reader@example.com\r\nBcc: all@example.com", Subject: "x", Body: "x"},
		"subject":   {To: "reader@example.com", Subject: "Hello\nBcc: all@example.com", Body: "x"},
		"value":     {To: ok.To, Subject: "x", Headers: map[string]string{"List-Unsubscribe": "<https://x>\r\nBcc: all@example.com"}},
		"name":      {To: ok.To, Subject: "x", Headers: map[string]string{"X-List\r\nBcc": "all@example.com"}},
		"colon":     {To: ok.To, Subject: "x", Headers: map[string]string{"Bcc: all@example.com\r\nX": "y"}},
		"own":       {To: ok.To, Subject: "x", Headers: map[string]string{"bcc": "all@example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := SMTP{Addr: "127.0.0.1:1", From: "news@example.com"} // nothing listens: a send would fail otherwise
			err := s.Send(context.Background(), m)
			if err == nil || !(strings.Contains(err.Error(), "line break") || strings.Contains(err.Error(), "header")) {
				t.Fatalf("not refused as a header: %v", err)
			}
		})
	}
}

// selfSigned is a certificate for 127.0.0.1, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

type recorded []Message

func (r *recorded) Send(_ context.Context, m Message) error {
	*r = append(*r, m)
	return nil
}

// The demo prints each email in full for the person running it, and still
// hands it on to the outbox.
func TestPrintedShowsTheWholeMessageAndSendsIt(t *testing.T) {
	var out strings.Builder
	var next recorded
	m := Message{To: "reader@example.com", Subject: "Your sign-in link", Body: "Open https://example.com/login/link/abc\n"}
	if err := (Printed{Sender: &next, W: &out}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{m.To, m.Subject, m.Body} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed %q, which lacks %q", out.String(), want)
		}
	}
	if len(next) != 1 || !reflect.DeepEqual(next[0], m) {
		t.Errorf("handed on %v, want the message once", next)
	}
}

// A message sent again under its key (its job died after sending) carries
// the same Message-ID, by which mail clients show it once; messages
// without a key, or with another, carry ids of their own.
func TestSMTPKeyedMessageKeepsItsID(t *testing.T) {
	idOf := func(key string) string {
		t.Helper()
		addr, got := server{}.start(t)
		s := SMTP{Addr: addr, From: "Broadsheet <news@example.com>"}
		if err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "Renewal", Body: "Soon.\n", Key: key}); err != nil {
			t.Fatal(err)
		}
		h := headers((<-got).transcript)
		i := strings.Index(h, "Message-ID: <")
		if i < 0 {
			t.Fatalf("no Message-ID:\n%s", h)
		}
		id, _, _ := strings.Cut(h[i:], "\r\n")
		if !strings.HasSuffix(id, "@example.com>") {
			t.Errorf("Message-ID %q is not at the sender's domain", id)
		}
		return id
	}
	first, again := idOf("renewal-notice:7:2"), idOf("renewal-notice:7:2")
	if first != again {
		t.Errorf("one event sent twice got ids %s and %s", first, again)
	}
	if other := idOf("renewal-notice:7:3"); other == first {
		t.Errorf("two events share the id %s", first)
	}
	if a, b := idOf(""), idOf(""); a == b {
		t.Errorf("two messages without a key share the id %s", a)
	}
}
