// Package razorpaytest is a fake Razorpay for tests: an http.Handler, run
// with httptest on loopback, that keeps customers, orders, payments,
// tokens and refunds in memory and answers the endpoints Broadsheet uses
// with Razorpay's documented shapes and status codes. It holds Razorpay's
// rules that money depends on (basic auth, receipts of at most 40
// characters, an order paid at most once, refunds once per idempotency
// key), and offers what a test needs besides: paying a hosted checkout as
// a reader would, declining the next renewals, losing an answer after the
// work is done, counting payments and refunds, and signing webhooks. A UPI
// Autopay renewal is debited as Razorpay debits it, a day after it is
// charged (UPIDebitDelay), by the clock SetClock gives the fake.
package razorpaytest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	keyID, keySecret, webhookSecret string
	now                             func() time.Time
	mux                             *http.ServeMux

	mu        sync.Mutex
	seq       int
	customers map[string]*customer
	orders    map[string]*order
	orderList []*order // in order of creation
	payments  map[string]*payment
	payList   []*payment
	tokens    map[string]*token
	refunds   map[string]*refund
	refList   []*refund
	idem      map[string]idempotentRefund
	checkouts map[string]checkoutForm // by order id: what the reader's browser posted
	// Test controls.
	failRecurring int
	failRequests  int
	drops         []drop
	holdCaptures  bool
}

// New returns a fake that takes API calls signed with keyID and keySecret
// and signs webhooks with webhookSecret.
func New(keyID, keySecret, webhookSecret string) *Server {
	s := &Server{
		keyID: keyID, keySecret: keySecret, webhookSecret: webhookSecret, now: time.Now,
		customers: map[string]*customer{}, orders: map[string]*order{}, payments: map[string]*payment{},
		tokens: map[string]*token{}, refunds: map[string]*refund{}, idem: map[string]idempotentRefund{},
		checkouts: map[string]checkoutForm{},
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/customers", s.createCustomer)
	m.HandleFunc("GET /v1/customers/{id}", s.fetchCustomer)
	m.HandleFunc("GET /v1/customers/{id}/tokens/{token}", s.fetchToken)
	m.HandleFunc("POST /v1/orders", s.createOrder)
	m.HandleFunc("GET /v1/orders", s.listOrders)
	m.HandleFunc("GET /v1/orders/{id}", s.fetchOrder)
	m.HandleFunc("GET /v1/orders/{id}/payments", s.orderPayments)
	m.HandleFunc("GET /v1/payments", s.listPayments)
	m.HandleFunc("GET /v1/payments/{id}", s.fetchPayment)
	m.HandleFunc("POST /v1/payments/{id}/capture", s.capturePayment)
	m.HandleFunc("POST /v1/payments/create/recurring", s.createRecurring)
	m.HandleFunc("POST /v1/payments/{id}/refund", s.createRefund)
	m.HandleFunc("GET /v1/payments/{id}/refunds", s.paymentRefunds)
	m.HandleFunc("POST /v1/checkout/embedded", s.checkoutPage)
	s.mux = m
	return s
}

// SetClock makes the fake date what it creates by now instead of the
// wall clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// ServeHTTP answers one request: the hosted checkout page is the reader's
// browser and needs no key; every API call does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusBadRequest, apiError{Description: "The requested URL was not found on the server."})
		return
	}
	if r.URL.Path == "/v1/checkout/embedded" {
		s.mux.ServeHTTP(w, r)
		return
	}
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, apiError{Description: "The api key provided is invalid"})
		return
	}
	if s.takeFailure() {
		writeError(w, http.StatusInternalServerError, apiError{Code: "SERVER_ERROR",
			Description: "The server encountered an error. The incident has been reported to admins."})
		return
	}
	s.CollectDebits()
	if !s.takeDrop(r) {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The work is done and its answer lost: the connection closes with
	// nothing written, as when a network fails on the way back.
	s.mux.ServeHTTP(&discard{header: http.Header{}}, r)
	panic(http.ErrAbortHandler)
}

func (s *Server) authorized(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.keyID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.keySecret)) == 1
	return ok && idOK && secretOK
}

// apiError is Razorpay's error object.
type apiError struct {
	Code        string         `json:"code"`
	Description string         `json:"description"`
	Source      string         `json:"source"`
	Step        string         `json:"step"`
	Reason      string         `json:"reason"`
	Metadata    map[string]any `json:"metadata"`
	Field       string         `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	if e.Code == "" {
		e.Code = "BAD_REQUEST_ERROR"
	}
	for _, f := range []*string{&e.Source, &e.Step, &e.Reason} {
		if *f == "" {
			*f = "NA"
		}
	}
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// badRequest is the 400 Razorpay answers a request it will not act on.
func badRequest(w http.ResponseWriter, field, format string, args ...any) {
	writeError(w, http.StatusBadRequest, apiError{Description: fmt.Sprintf(format, args...), Field: field,
		Source: "business", Step: "payment_initiation", Reason: "input_validation_failed"})
}

// notFound is Razorpay's answer to an id it does not know: a 400.
func notFound(w http.ResponseWriter) {
	badRequest(w, "id", "The id provided does not exist")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// decode reads a JSON body strictly: Razorpay refuses a parameter it does
// not take, and so does the fake, which catches a misspelt one.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			badRequest(w, strings.Trim(name, `"`), "%s is/are not required and should not be sent", strings.Trim(name, `"`))
			return false
		}
		badRequest(w, "", "The request body is not valid JSON: %s", msg)
		return false
	}
	if dec.More() {
		badRequest(w, "", "The request body has more than one JSON value")
		return false
	}
	return true
}

// newID makes an id of Razorpay's form: a prefix and 14 letters and digits.
// Callers hold s.mu.
func (s *Server) newID(prefix string) string {
	s.seq++
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := []byte("FakeRzp0000000")
	for i, n := len(b)-1, s.seq; n > 0 && i >= 7; i, n = i-1, n/len(digits) {
		b[i] = digits[n%len(digits)]
	}
	return prefix + "_" + string(b)
}

// discard takes an answer that is to be lost.
type discard struct {
	header http.Header
	buf    bytes.Buffer
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return d.buf.Write(b) }
func (d *discard) WriteHeader(int)             {}
