package razorpay

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, url string, timeout time.Duration) *Client {
	t.Helper()
	c, err := NewClient(Config{
		BaseURL: url, KeyID: "rzp_test_key", KeySecret: "key-secret",
		HTTPClient: &http.Client{Timeout: timeout},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no key":       {KeySecret: "s"},
		"no secret":    {KeyID: "k"},
		"not a URL":    {KeyID: "k", KeySecret: "s", BaseURL: "api.razorpay.com"},
		"other scheme": {KeyID: "k", KeySecret: "s", BaseURL: "ftp://api.razorpay.com"},
		"with a query": {KeyID: "k", KeySecret: "s", BaseURL: "https://api.razorpay.com?x=1"},
		"with no host": {KeyID: "k", KeySecret: "s", BaseURL: "https://"},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient accepted %+v", name, cfg)
		}
	}
	c, err := NewClient(Config{KeyID: "k", KeySecret: "s"})
	if err != nil || c.BaseURL() != DefaultBaseURL || c.http.Timeout != DefaultTimeout {
		t.Fatalf("defaults: %v, %v", c, err)
	}
	given := &http.Client{}
	c, err = NewClient(Config{KeyID: "k", KeySecret: "s", HTTPClient: given})
	if err != nil || c.http.Timeout != DefaultTimeout || given.Timeout != 0 || given.CheckRedirect != nil {
		t.Fatalf("a client without a time-out: %v, %v (the one given became %+v)", c, err, given)
	}
}

func TestClientSendsBasicAuthAndJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "rzp_test_key" || secret != "key-secret" {
			t.Errorf("basic auth = %q, %q, %v", id, secret, ok)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/orders" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"receipt":"r1"`) || !strings.Contains(string(body), `"amount":90000`) {
			t.Errorf("body %s", body)
		}
		// Razorpay answers an entity without notes with an empty list.
		io.WriteString(w, `{"id":"order_A","entity":"order","amount":90000,"currency":"INR","receipt":"r1","status":"created","notes":[],"created_at":1}`)
	}))
	defer srv.Close()
	o, err := newTestClient(t, srv.URL, time.Second).CreateOrder(context.Background(), OrderRequest{Amount: 90000, Currency: "INR", Receipt: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "order_A" || o.Notes != nil {
		t.Fatalf("order %+v", o)
	}
}

func TestClientReadsRazorpayErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/orders":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"BAD_REQUEST_ERROR","description":"The amount must be at least INR 1.00","source":"business","step":"payment_initiation","reason":"input_validation_failed","metadata":{},"field":"amount"}}`)
		case "/v1/payments/create/recurring":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"BAD_REQUEST_ERROR","description":"Payment failed","source":"bank","step":"payment_authorization","reason":"payment_failed","metadata":{"payment_id":"pay_X","order_id":"order_Y"}}}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `<html>bad gateway</html>`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, time.Second)
	ctx := context.Background()

	_, err := c.CreateOrder(ctx, OrderRequest{Amount: 1, Currency: "INR"})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Code != "BAD_REQUEST_ERROR" || e.Field != "amount" ||
		e.Reason != "input_validation_failed" || !e.Refused() || e.Retryable() {
		t.Fatalf("order error = %#v", err)
	}
	_, err = c.CreateRecurringPayment(ctx, RecurringPaymentRequest{OrderID: "order_Y"})
	if !errors.As(err, &e) || e.PaymentID != "pay_X" || e.OrderID != "order_Y" || e.Source != "bank" {
		t.Fatalf("decline = %#v", err)
	}
	_, err = c.FetchPayment(ctx, "pay_X")
	if !errors.As(err, &e) || e.StatusCode != 502 || !e.Retryable() || e.Refused() || !strings.Contains(e.Description, "bad gateway") {
		t.Fatalf("proxy page = %#v", err)
	}
}

func TestClientRefusesAnEmptyIDRatherThanListing(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := newTestClient(t, srv.URL, time.Second)
	ctx := context.Background()
	if _, err := c.FetchOrder(ctx, ""); err == nil {
		t.Error("FetchOrder(\"\") did not fail")
	}
	if _, err := c.FetchPayment(ctx, "  "); err == nil {
		t.Error("FetchPayment(blank) did not fail")
	}
	if _, err := c.FetchToken(ctx, "cust_1", ""); err == nil {
		t.Error("FetchToken without a token did not fail")
	}
	if _, err := c.CreateOrder(ctx, OrderRequest{Amount: 100, Currency: "INR", Receipt: strings.Repeat("r", 41)}); err == nil {
		t.Error("a 41-character receipt was sent")
	}
	if _, err := c.CreateRefund(ctx, "pay_1", RefundRequest{}, "short"); err == nil {
		t.Error("a short idempotency key was sent")
	}
	if _, err := c.CreateRefund(ctx, "pay_1", RefundRequest{}, "has:colons:in:it"); err == nil {
		t.Error("an idempotency key with colons was sent")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestClientEscapesIDsInPaths(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/v1/payments/pay_1%2Frefund" {
			t.Errorf("path %q", r.URL.EscapedPath())
		}
		io.WriteString(w, `{"id":"pay_1"}`)
	}))
	defer srv.Close()
	if _, err := newTestClient(t, srv.URL, time.Second).FetchPayment(context.Background(), "pay_1/refund"); err != nil {
		t.Fatal(err)
	}
}

func TestClientTimesOutOnAHangingServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, 200*time.Millisecond)
	start := time.Now()
	_, err := c.FetchOrder(context.Background(), "order_1")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a time-out", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestClientStopsReadingAHugeAnswer(t *testing.T) {
	const size = 50 << 20
	var written atomic.Int64
	chunk := []byte(strings.Repeat(" ", 64<<10))
	handler := func(announce bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if announce {
				w.Header().Set("Content-Length", "52428800")
			}
			io.WriteString(w, `{"id":"order_1","notes":"`)
			for n := 0; n < size; n += len(chunk) {
				k, err := w.Write(chunk)
				written.Add(int64(k))
				if err != nil {
					return
				}
			}
		}
	}
	for _, announce := range []bool{false, true} {
		written.Store(0)
		srv := httptest.NewServer(handler(announce))
		c := newTestClient(t, srv.URL, 10*time.Second)
		start := time.Now()
		_, err := c.FetchOrder(context.Background(), "order_1")
		if !errors.Is(err, ErrResponseTooLarge) {
			t.Fatalf("announce=%v: err = %v, want ErrResponseTooLarge", announce, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("announce=%v: took %v", announce, d)
		}
		srv.Close()
		// The client reads at most a little past its limit; the server
		// may have buffered more into the socket, but not all 50 MB.
		if w := written.Load(); w >= size {
			t.Fatalf("announce=%v: all %d bytes were sent", announce, w)
		}
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok {
			leaked.Store(true)
		}
		io.WriteString(w, `{"id":"order_1"}`)
	}))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, time.Second).FetchOrder(context.Background(), "order_1")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, want the redirect as an error", err)
	}
	if leaked.Load() {
		t.Fatal("the key was sent to the redirect's target")
	}
}

func TestNotesAndTextDecodeRazorpaysShapes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"pay_1","contact":9876543210,"notes":{"a":"x","n":5},"card":{"last4":1234,"expiry_month":"07","expiry_year":2031}}`)
	}))
	defer srv.Close()
	p, err := newTestClient(t, srv.URL, time.Second).FetchPayment(context.Background(), "pay_1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Contact != "9876543210" || p.Notes["a"] != "x" || p.Notes["n"] != "5" ||
		p.Card.Last4 != "1234" || p.Card.ExpiryMonth.Int() != 7 || p.Card.ExpiryYear.Int() != 2031 {
		t.Fatalf("payment %+v card %+v", p, p.Card)
	}
}
