package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"broadsheet/internal/clock"
	"broadsheet/internal/config"
)

// A client that sends a form's headers and then dribbles its body is cut
// off by the server's read timeout instead of holding the connection. The
// server here is built as Run builds it, with timeouts short enough for a
// test.
func TestTimeoutSlowBodyIsCutOff(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Addr: "127.0.0.1:0", DataDir: dir, DatabaseURL: "sqlite://" + filepath.Join(dir, "broadsheet.db"),
		BaseURL: "http://127.0.0.1", Secret: "3f9a1c7e5b2d4f608a1e3c5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f"}
	a, err := New(context.Background(), cfg, clock.NewManual(time.Now()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(a.Handler(), timeouts{readHeader: time.Second, read: 300 * time.Millisecond, write: time.Second, idle: time.Second})
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 10000\r\nSec-Fetch-Site: same-origin\r\n\r\nemail=", ln.Addr())
	go func() {
		for {
			time.Sleep(50 * time.Millisecond)
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	// Whatever the server answers, it must then close the connection.
	_, err = io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the connection was still open 10 s into a dribbled body")
	}
}
