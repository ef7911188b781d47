package razorpaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
)

const (
	keyID     = "rzp_test_fake"
	keySecret = "fake-key-secret"
)

type fixture struct {
	fake   *razorpaytest.Server
	srv    *httptest.Server
	client *razorpay.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fake := razorpaytest.New(keyID, keySecret, "wh")
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: keyID, KeySecret: keySecret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{fake: fake, srv: srv, client: c}
}

// raw sends a request as it is, with the fake's key unless auth is false.
func (f *fixture) raw(t *testing.T, method, path, body string, auth bool, header http.Header) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	if auth {
		req.SetBasicAuth(keyID, keySecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func description(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	d, _ := e["description"].(string)
	return d
}

// paidOrder makes a customer and a mandate order and pays it at the
// hosted checkout; it returns the order and the callback.
func (f *fixture) paidOrder(t *testing.T, receipt string) (*razorpay.Order, *razorpaytest.Callback) {
	t.Helper()
	ctx := context.Background()
	cust, err := f.client.CreateCustomer(ctx, razorpay.CustomerRequest{Email: "r@example.com", FailExisting: "0"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: receipt,
		CustomerID: cust.ID, Method: "card", Notes: razorpay.Notes{"broadsheet_key": receipt},
		Token: &razorpay.MandateTerms{MaxAmount: 100000, ExpireAt: time.Now().AddDate(5, 0, 0).Unix(), Frequency: "as_presented"}})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"key_id": {keyID}, "order_id": {o.ID}, "customer_id": {cust.ID}, "recurring": {"1"},
		"name": {"Test"}, "prefill[email]": {"r@example.com"}, "callback_url": {"https://news.example/return"},
		"notes[broadsheet_key]": {receipt}}
	resp, err := http.PostForm(f.srv.URL+"/v1/checkout/embedded", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("checkout page: %s", resp.Status)
	}
	cb, err := f.fake.CompleteCheckout(o.ID, razorpaytest.CardSucceeds)
	if err != nil {
		t.Fatal(err)
	}
	return o, cb
}

func TestTheFakeWantsTheKey(t *testing.T) {
	f := newFixture(t)
	for name, auth := range map[string]func(*http.Request){
		"no key":       func(*http.Request) {},
		"wrong secret": func(r *http.Request) { r.SetBasicAuth(keyID, "guess") },
		"wrong id":     func(r *http.Request) { r.SetBasicAuth("rzp_test_other", keySecret) },
	} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/v1/orders", nil)
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %s", name, resp.Status)
		}
	}
}

func TestTheFakeHoldsRazorpaysOrderRules(t *testing.T) {
	f := newFixture(t)
	status, body := f.raw(t, "POST", "/v1/orders", `{"amount":50000,"currency":"INR","receipt":"`+strings.Repeat("r", 41)+`"}`, true, nil)
	if status != 400 || !strings.Contains(description(body), "40 characters") {
		t.Fatalf("41-character receipt: %d %v", status, body)
	}
	status, body = f.raw(t, "POST", "/v1/orders", `{"amount":50000,"currency":"INR","receipt":"`+strings.Repeat("r", 40)+`"}`, true, nil)
	if status != 200 || body["notes"] == nil {
		t.Fatalf("40-character receipt: %d %v", status, body)
	}
	if notes, ok := body["notes"].([]any); !ok || len(notes) != 0 {
		t.Fatalf("notes of an order without them = %#v, want [] as Razorpay answers", body["notes"])
	}
	status, body = f.raw(t, "POST", "/v1/orders", `{"amount":50000,"currency":"INR","reciept":"typo"}`, true, nil)
	if status != 400 || !strings.Contains(description(body), "reciept") {
		t.Fatalf("unknown field: %d %v", status, body)
	}
	status, _ = f.raw(t, "POST", "/v1/orders", `{"amount":99,"currency":"INR"}`, true, nil)
	if status != 400 {
		t.Fatalf("amount under ₹1: %d", status)
	}
	status, body = f.raw(t, "GET", "/v1/orders/order_Nope", "", true, nil)
	if status != 400 || description(body) != "The id provided does not exist" {
		t.Fatalf("unknown order: %d %v", status, body)
	}
}

func TestAnOrderIsPaidOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o, cb := f.paidOrder(t, "paid-once")
	if cb.Form.Get("razorpay_order_id") != o.ID {
		t.Fatalf("callback %v", cb.Form)
	}
	if _, err := f.fake.CompleteCheckout(o.ID, razorpaytest.CardSucceeds); err == nil {
		t.Fatal("a paid order was paid again at checkout")
	}
	p, err := f.client.FetchPayment(ctx, cb.Form.Get("razorpay_payment_id"))
	if err != nil || p.Status != razorpay.PaymentCaptured || p.TokenID == "" || p.Notes["broadsheet_key"] != "paid-once" {
		t.Fatalf("payment %+v, %v", p, err)
	}
	_, err = f.client.CreateRecurringPayment(ctx, razorpay.RecurringPaymentRequest{Email: "r@example.com", Amount: o.Amount,
		Currency: "INR", OrderID: o.ID, CustomerID: p.CustomerID, Token: p.TokenID})
	var e *razorpay.Error
	if !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("a recurring charge of a paid order: %v", err)
	}
	if _, err := f.client.CapturePayment(ctx, p.ID, p.Amount, "INR"); !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("a second capture: %v", err)
	}
	if n := f.fake.CapturedPayments(); n != 1 {
		t.Fatalf("%d captured", n)
	}
}

func TestRecurringChargeNeedsItsToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, cb := f.paidOrder(t, "mandate")
	p, _ := f.client.FetchPayment(ctx, cb.Form.Get("razorpay_payment_id"))
	next, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "next"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := f.client.CreateCustomer(ctx, razorpay.CustomerRequest{Email: "other@example.com", FailExisting: "0"})
	for name, req := range map[string]razorpay.RecurringPaymentRequest{
		"another customer's": {Email: "x@example.com", Amount: 50000, Currency: "INR", OrderID: next.ID, CustomerID: other.ID, Token: p.TokenID},
		"no such token":      {Email: "x@example.com", Amount: 50000, Currency: "INR", OrderID: next.ID, CustomerID: p.CustomerID, Token: "token_Nope"},
		"not the order's":    {Email: "x@example.com", Amount: 40000, Currency: "INR", OrderID: next.ID, CustomerID: p.CustomerID, Token: p.TokenID},
	} {
		if _, err := f.client.CreateRecurringPayment(ctx, req); err == nil {
			t.Errorf("%s: charged", name)
		}
	}
	f.fake.FailNextRecurring(1)
	_, err = f.client.CreateRecurringPayment(ctx, razorpay.RecurringPaymentRequest{Email: "x@example.com", Amount: 50000,
		Currency: "INR", OrderID: next.ID, CustomerID: p.CustomerID, Token: p.TokenID})
	var e *razorpay.Error
	if !errors.As(err, &e) || e.PaymentID == "" || e.OrderID != next.ID || e.Description != razorpaytest.RecurringDecline {
		t.Fatalf("declined: %v", err)
	}
	got, err := f.client.CreateRecurringPayment(ctx, razorpay.RecurringPaymentRequest{Email: "x@example.com", Amount: 50000,
		Currency: "INR", OrderID: next.ID, CustomerID: p.CustomerID, Token: p.TokenID})
	if err != nil || got.OrderID != next.ID {
		t.Fatalf("after the decline: %+v, %v", got, err)
	}
	if err := f.client.VerifyPaymentSignature(next.ID, got.PaymentID, got.Signature); err != nil {
		t.Fatalf("the fake's signature: %v", err)
	}
	payments, _ := f.client.OrderPayments(ctx, next.ID)
	if len(payments) != 2 || payments[0].Status != "failed" || payments[1].Status != "captured" {
		t.Fatalf("order payments %+v", payments)
	}
}

func TestRefundIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	_, cb := f.paidOrder(t, "refunds")
	path := "/v1/payments/" + cb.Form.Get("razorpay_payment_id") + "/refund"
	key := http.Header{"X-Refund-Idempotency": {"refund-key-0001"}}
	s1, first := f.raw(t, "POST", path, `{"amount":10000}`, true, key)
	s2, again := f.raw(t, "POST", path, `{ "amount": 10000 }`, true, key)
	if s1 != 200 || s2 != 200 || first["id"] != again["id"] {
		t.Fatalf("same key, same body: %d %v / %d %v", s1, first, s2, again)
	}
	if s, body := f.raw(t, "POST", path, `{"amount":20000}`, true, key); s != 400 || !strings.Contains(description(body), "same idempotency key") {
		t.Fatalf("same key, another body: %d %v", s, body)
	}
	if s, _ := f.raw(t, "POST", path, `{"amount":10000}`, true, http.Header{"X-Refund-Idempotency": {"short"}}); s != 400 {
		t.Fatalf("short key: %d", s)
	}
	if s, body := f.raw(t, "POST", path, `{"amount":50000}`, true, nil); s != 400 || !strings.Contains(description(body), "greater than amount captured") {
		t.Fatalf("more than is left: %d %v", s, body)
	}
	if n := f.fake.Refunds(); n != 1 {
		t.Fatalf("%d refunds, want 1", n)
	}
}

func TestFailuresOnRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.FailNextRequests(1)
	_, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "down"})
	var e *razorpay.Error
	if !errors.As(err, &e) || e.StatusCode != 500 || e.Code != "SERVER_ERROR" {
		t.Fatalf("failed request: %v", err)
	}
	if n := len(f.fake.Receipts()); n != 0 {
		t.Fatalf("a failed request made %d orders", n)
	}
	f.fake.DropNextResponse(http.MethodPost, "/v1/orders")
	if _, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "lost"}); err == nil {
		t.Fatal("a dropped answer arrived")
	}
	if r := f.fake.Receipts(); len(r) != 1 || r[0] != "lost" {
		t.Fatalf("the dropped request's order: %v", r)
	}
	if orders, err := f.client.OrdersByReceipt(ctx, "lost"); err != nil || len(orders) != 1 {
		t.Fatalf("orders by receipt: %v, %v", orders, err)
	}
}

func TestCheckoutPageChecksTheForm(t *testing.T) {
	f := newFixture(t)
	o, err := f.client.CreateOrder(context.Background(), razorpay.OrderRequest{Amount: 50000, Currency: "INR"})
	if err != nil {
		t.Fatal(err)
	}
	good := url.Values{"key_id": {keyID}, "order_id": {o.ID}, "name": {"Test"}, "callback_url": {"https://x.example/cb"}}
	for name, edit := range map[string]func(url.Values){
		"another key":    func(v url.Values) { v.Set("key_id", "rzp_test_other") },
		"unknown order":  func(v url.Values) { v.Set("order_id", "order_Nope") },
		"no callback":    func(v url.Values) { v.Del("callback_url") },
		"another amount": func(v url.Values) { v.Set("amount", "100") },
	} {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		edit(v)
		resp, err := http.PostForm(f.srv.URL+"/v1/checkout/embedded", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: %s", name, resp.Status)
		}
	}
	if _, err := f.fake.CompleteCheckout(o.ID, razorpaytest.CardSucceeds); err == nil {
		t.Fatal("paid an order whose checkout was never opened")
	}
}

// A UPI Autopay mandate's recurring payment is created, not captured: a
// second one on its order is refused while it is, and the clock passing
// 25 hours debits it, as a webhook then shows; the token and payments
// carry the VPA, as Razorpay's do.
func TestUPIRecurringPaymentIsDebitedAfterTheNotice(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	f.fake.SetClock(func() time.Time { return now })
	ctx := context.Background()
	cust, err := f.client.CreateCustomer(ctx, razorpay.CustomerRequest{Email: "r@example.com", FailExisting: "0"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "upi-mandate",
		CustomerID: cust.ID, Method: "upi",
		Token: &razorpay.MandateTerms{MaxAmount: 100000, ExpireAt: now.AddDate(5, 0, 0).Unix(), Frequency: "as_presented"}})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"key_id": {keyID}, "order_id": {o.ID}, "customer_id": {cust.ID}, "recurring": {"1"},
		"name": {"Test"}, "prefill[email]": {"r@example.com"}, "callback_url": {"https://news.example/return"}}
	resp, err := http.PostForm(f.srv.URL+"/v1/checkout/embedded", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := f.fake.CompleteCheckout(o.ID, razorpaytest.CardSucceeds); err == nil {
		t.Fatal("a card paid an order for UPI")
	}
	cb, err := f.fake.CompleteCheckout(o.ID, razorpaytest.VPASucceeds)
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.client.FetchPayment(ctx, cb.Form.Get("razorpay_payment_id"))
	if err != nil || first.Method != "upi" || first.VPA != razorpaytest.VPASucceeds || first.TokenID == "" {
		t.Fatalf("the mandate's payment %+v, %v", first, err)
	}
	tok, err := f.client.FetchToken(ctx, cust.ID, first.TokenID)
	if err != nil || tok.Method != "upi" || tok.VPA == nil || tok.VPA.Handle != "razorpay" || tok.RecurringDetails.Status != "confirmed" {
		t.Fatalf("token %+v, %v", tok, err)
	}

	next, err := f.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "upi-renewal"})
	if err != nil {
		t.Fatal(err)
	}
	req := razorpay.RecurringPaymentRequest{Email: "r@example.com", Amount: 50000, Currency: "INR",
		OrderID: next.ID, CustomerID: cust.ID, Token: first.TokenID}
	got, err := f.client.CreateRecurringPayment(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var e *razorpay.Error
	if _, err := f.client.CreateRecurringPayment(ctx, req); !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("a second debit while the first is to come: %v", err)
	}
	now = now.Add(razorpaytest.UPIDebitDelay - time.Second)
	if p, _ := f.client.FetchPayment(ctx, got.PaymentID); p.Status != "created" || p.Method != "upi" || p.VPA != razorpaytest.VPASucceeds {
		t.Fatalf("a second before the debit: %+v", p)
	}
	now = now.Add(time.Second)
	_, body, err := f.fake.Webhook("payment.captured", got.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	var event struct {
		Payload struct {
			Payment struct {
				Entity map[string]any `json:"entity"`
			} `json:"payment"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatal(err)
	}
	if p := event.Payload.Payment.Entity; p["status"] != "captured" || p["method"] != "upi" || p["vpa"] != razorpaytest.VPASucceeds || p["card"] != nil {
		t.Fatalf("the debit's webhook shows %v", p)
	}
	if n := f.fake.CapturedPayments(); n != 2 {
		t.Fatalf("%d captured, want the mandate's and the debit", n)
	}
}
