package stripepay_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests share one stripe-mock, started on first use and stopped by
// TestMain: it loads Stripe's whole OpenAPI spec, which takes a second.
var mock struct {
	once sync.Once
	url  string
	err  error
	cmd  *exec.Cmd
	dir  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mock.cmd != nil {
		mock.cmd.Process.Kill()
		mock.cmd.Wait()
	}
	if mock.dir != "" {
		os.RemoveAll(mock.dir)
	}
	os.Exit(code)
}

// stripeMockURL is the address of a running stripe-mock. Without the
// binary the test is skipped, or fails in CI, where it must be installed.
func stripeMockURL(t *testing.T) string {
	t.Helper()
	path := findStripeMock()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("stripe-mock is not installed: go install github.com/stripe/stripe-mock@v0.203.0, or set STRIPE_MOCK_PATH")
		}
		t.Skip("stripe-mock is not installed (go install github.com/stripe/stripe-mock@v0.203.0, or set STRIPE_MOCK_PATH)")
	}
	mock.once.Do(func() { mock.url, mock.err = startStripeMock(path) })
	if mock.err != nil {
		t.Fatalf("starting stripe-mock: %v", mock.err)
	}
	return mock.url
}

// findStripeMock looks where the README says: STRIPE_MOCK_PATH, the PATH,
// then the bin directory of the Go path, where go install puts it.
func findStripeMock() string {
	if p := os.Getenv("STRIPE_MOCK_PATH"); p != "" {
		return p
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	gopath := build.Default.GOPATH
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		gopath = strings.TrimSpace(string(out))
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "stripe-mock")
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// startStripeMock runs stripe-mock on a loopback port the system picks
// and reads the port from its first lines. Its HTTPS listener, which it
// would otherwise open on every interface, goes to a socket file.
func startStripeMock(path string) (string, error) {
	dir, err := os.MkdirTemp("", "stripe-mock-")
	if err != nil {
		return "", err
	}
	mock.dir = dir
	cmd := exec.Command(path, "-http-addr", "127.0.0.1:0", "-https-unix", filepath.Join(dir, "https.sock"))
	dieWithTests(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	mock.cmd = cmd
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				addr <- a
			}
		}
		close(addr)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			return "", fmt.Errorf("stripe-mock exited: %s", stderr.String())
		}
		if !strings.HasPrefix(a, "127.0.0.1:") {
			return "", fmt.Errorf("stripe-mock listens on %s, not loopback", a)
		}
		return "http://" + a, nil
	case <-time.After(30 * time.Second):
		return "", errors.New("stripe-mock did not say where it listens within 30 seconds")
	}
}

// recorded is one request that reached stripe-mock and its answer.
type recorded struct {
	Method, Path   string
	Form           url.Values // the form body of a POST, or the query of a GET
	IdempotencyKey string
	Status         int
}

// recorder stands between the gateway and stripe-mock and keeps every
// request, so that a test sees which parameters stripe-mock accepted.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// only is the one request recorded, failing the test if there were more.
func (r *recorder) only(t *testing.T) recorded {
	t.Helper()
	reqs := r.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached stripe-mock, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// bodyKey carries a request's body from the proxy's handler to its
// response hook, which records it.
type bodyKey struct{}

// recordingProxy is a loopback server passing requests on to target.
func recordingProxy(t *testing.T, target string) (string, *recorder) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(res *http.Response) error {
		r := res.Request
		form := r.URL.Query()
		if body, ok := r.Context().Value(bodyKey{}).([]byte); ok && len(body) > 0 {
			if form, err = url.ParseQuery(string(body)); err != nil {
				return err
			}
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, form, r.Header.Get("Idempotency-Key"), res.StatusCode})
		rec.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, rec
}
