package stripepay_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/stripepay"
)

const (
	testSecretKey     = "sk_test_123"
	testWebhookSecret = "whsec_test_broadsheet"
)

// newGateway is a gateway talking to baseURL, a loopback server.
func newGateway(t *testing.T, baseURL string, now func() time.Time) *stripepay.Gateway {
	t.Helper()
	g, err := stripepay.New(stripepay.Config{
		SecretKey: testSecretKey, WebhookSecret: testWebhookSecret, BaseURL: baseURL,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// fakeStripe is a loopback server standing in for Stripe where a test
// needs an answer stripe-mock, which answers from fixtures, never gives: a
// decline, an expired or paid session, a failure of Stripe's own. routes
// are ServeMux patterns such as "POST /v1/payment_intents".
func fakeStripe(t *testing.T, routes map[string]http.HandlerFunc) (string, *recorder) {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		form := url.Values{}
		for k, v := range r.Form {
			form[k] = v
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, form, r.Header.Get("Idempotency-Key"), sw.status})
		rec.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

// answer writes a JSON body with a status, as Stripe does.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// wantForm checks the parameters a request carried.
func wantForm(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got.Get(k); g != v {
			t.Errorf("parameter %s = %q, want %q", k, g, v)
		}
	}
}

// expanded lists the fields a request asked Stripe to expand, in order.
func expanded(form url.Values) string {
	var fields []string
	for i := 0; ; i++ {
		v, ok := form["expand["+strconv.Itoa(i)+"]"]
		if !ok {
			return strings.Join(fields, " ")
		}
		fields = append(fields, v...)
	}
}
