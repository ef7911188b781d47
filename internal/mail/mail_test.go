package mail

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
)

// smtpServer accepts one message on loopback and hands back what it got.
func smtpServer(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
		reply := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
		reply("220 test ESMTP")
		var transcript strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			transcript.WriteString(strings.TrimSpace(line) + "\n")
			switch {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				reply("250 test")
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
					transcript.WriteString(l)
				}
				reply("250 queued")
			case strings.HasPrefix(cmd, "QUIT"):
				reply("221 bye")
				ch <- transcript.String()
				return
			default:
				reply("250 ok")
			}
		}
	}()
	return ln.Addr().String(), ch
}

func TestSMTPDelivers(t *testing.T) {
	addr, got := smtpServer(t)
	s := SMTP{Addr: addr, From: "news@example.com"}
	err := s.Send(context.Background(), Message{To: "reader@example.com", Subject: "Your sign-in link", Body: "Open this link:\nhttp://x/login/link/abc\n"})
	if err != nil {
		t.Fatal(err)
	}
	transcript := <-got
	for _, want := range []string{"MAIL FROM:<news@example.com>", "RCPT TO:<reader@example.com>", "Subject: Your sign-in link", "http://x/login/link/abc\r\n"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the server did not receive %q:\n%s", want, transcript)
		}
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	s := SMTP{Addr: "127.0.0.1:1", From: "news@example.com"}
	err := s.Send(context.Background(), Message{To: "reader@example.com\r\nBcc: all@example.com", Subject: "x", Body: "x"})
	if err == nil || !strings.Contains(err.Error(), "line break") {
		t.Fatalf("a recipient with a line break was not refused: %v", err)
	}
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
	if len(next) != 1 || next[0] != m {
		t.Errorf("handed on %v, want the message once", next)
	}
}
