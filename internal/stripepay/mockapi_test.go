package stripepay_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// These tests send each request to stripe-mock, which checks every
// parameter against Stripe's OpenAPI spec and refuses unknown or malformed
// ones, and answers from fixtures. They check what was sent and accepted,
// and that the fixture's answer maps to a result.

func TestStripeMockAcceptsTheCheckout(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	began := time.Now().Truncate(time.Second)
	clock := began
	g := newGateway(t, base, func() time.Time { return clock })
	req := billing.CheckoutRequest{
		Key: "checkout:42:AbCdEfGhIjKlMnOpQrStUv", Amount: 49900, Currency: "INR",
		Description: "Smart Essential (1 Month)", TermMonths: 1, AccountID: 42, Email: "reader@example.com",
		ReturnURL: "https://news.example/checkout/return?key=x", CancelURL: "https://news.example/subscribe/smart",
		ExpiresAt: began.Add(30 * time.Minute),
	}
	page, err := g.StartCheckout(context.Background(), req)
	if err != nil {
		t.Fatalf("StartCheckout: %v", err)
	}
	if !strings.HasPrefix(page.Ref, "cs_") || !strings.HasPrefix(page.URL, "https://") || page.Fields != nil {
		t.Errorf("page = %+v, want a session id and a URL to GET", page)
	}
	got := rec.only(t)
	if got.Method != http.MethodPost || got.Path != "/v1/checkout/sessions" || got.Status != http.StatusOK {
		t.Fatalf("request = %s %s answered %d", got.Method, got.Path, got.Status)
	}
	if got.IdempotencyKey != req.Key {
		t.Errorf("Idempotency-Key = %q, want the checkout's key %q", got.IdempotencyKey, req.Key)
	}
	wantForm(t, got.Form, map[string]string{
		"mode":                                          "payment",
		"line_items[0][quantity]":                       "1",
		"line_items[0][price_data][currency]":           "inr",
		"line_items[0][price_data][unit_amount]":        "49900",
		"line_items[0][price_data][product_data][name]": "Smart Essential (1 Month)",
		"customer_email":                                "reader@example.com",
		"customer_creation":                             "always",
		"payment_intent_data[setup_future_usage]":       "off_session",
		"payment_intent_data[metadata][broadsheet_key]": req.Key,
		"metadata[broadsheet_key]":                      req.Key,
		"client_reference_id":                           "42",
		"success_url":                                   req.ReturnURL,
		"cancel_url":                                    req.CancelURL,
		// 30 minutes is below Stripe's least, so a whole step later.
		"expires_at": strconv.FormatInt(began.Add(60*time.Minute).Unix(), 10),
	})

	// The same checkout asked again, a few minutes later (a reload),
	// sends the same key with the same parameters: Stripe answers such a
	// replay with the first session instead of making a second.
	clock = began.Add(5 * time.Minute)
	if _, err := g.StartCheckout(context.Background(), req); err != nil {
		t.Fatalf("StartCheckout again: %v", err)
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if reqs[1].IdempotencyKey != req.Key || !reflect.DeepEqual(reqs[0].Form, reqs[1].Form) {
		t.Errorf("the second request differs from the first:\n%v\n%v", reqs[0].Form, reqs[1].Form)
	}
}

func TestStripeMockAcceptsTheSessionLookup(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	g := newGateway(t, base, nil)
	res, found, err := g.Lookup(context.Background(), "checkout:42:k", "cs_test_a1b2c3")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	got := rec.only(t)
	if got.Method != http.MethodGet || got.Path != "/v1/checkout/sessions/cs_test_a1b2c3" || got.Status != http.StatusOK {
		t.Fatalf("request = %s %s answered %d", got.Method, got.Path, got.Status)
	}
	if e := expanded(got.Form); e != "payment_intent payment_intent.payment_method" {
		t.Errorf("expanded %q (form %v), want the payment intent and its payment method", e, got.Form)
	}
	// stripe-mock's session is open and unpaid: the reader may still pay.
	if found || res.Succeeded {
		t.Errorf("an open, unpaid session gave %+v, found %v; want not found", res, found)
	}
}

func TestStripeMockAcceptsTheChargeSearch(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	g := newGateway(t, base, nil)
	for _, key := range []string{"renewal:7:2:1", `it's a \ key`} {
		res, found, err := g.Lookup(context.Background(), key, "")
		if err != nil {
			t.Fatalf("Lookup(%q): %v", key, err)
		}
		// stripe-mock's fixture intent does not carry the key in its
		// metadata, so it is not this payment's.
		if found || res.Succeeded {
			t.Errorf("Lookup(%q) = %+v, found %v; want not found", key, res, found)
		}
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, want := range []string{`metadata['broadsheet_key']:'renewal:7:2:1'`, `metadata['broadsheet_key']:'it\'s a \\ key'`} {
		got := reqs[i]
		if got.Method != http.MethodGet || got.Path != "/v1/payment_intents/search" || got.Status != http.StatusOK {
			t.Errorf("request = %s %s answered %d", got.Method, got.Path, got.Status)
		}
		if q := got.Form.Get("query"); q != want {
			t.Errorf("query = %q, want %q", q, want)
		}
		if e := expanded(got.Form); e != "data.payment_method" {
			t.Errorf("expanded %q, want each intent's payment method", e)
		}
	}
}

func TestStripeMockAcceptsTheCharge(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	g := newGateway(t, base, nil)
	charge := billing.Charge{IdempotencyKey: "renewal:7:2:1", Token: "cus_Reader1/pm_Card1", Amount: 49900, Currency: "INR", Description: "Smart Essential, renewal"}
	res, err := g.Charge(context.Background(), charge)
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	got := rec.only(t)
	if got.Method != http.MethodPost || got.Path != "/v1/payment_intents" || got.Status != http.StatusOK {
		t.Fatalf("request = %s %s answered %d", got.Method, got.Path, got.Status)
	}
	if got.IdempotencyKey != charge.IdempotencyKey {
		t.Errorf("Idempotency-Key = %q, want %q", got.IdempotencyKey, charge.IdempotencyKey)
	}
	wantForm(t, got.Form, map[string]string{
		"amount": "49900", "currency": "inr", "customer": "cus_Reader1", "payment_method": "pm_Card1",
		"off_session": "true", "confirm": "true", "description": charge.Description,
		"metadata[broadsheet_key]":                   charge.IdempotencyKey,
		"automatic_payment_methods[enabled]":         "true",
		"automatic_payment_methods[allow_redirects]": "never",
	})
	// stripe-mock's fixture intent wants a payment method and carries a
	// last payment error: a failed attempt, with Stripe's default words.
	if res.Succeeded || !strings.HasPrefix(res.Reference, "pi_") || res.Failure != "Your card was declined." {
		t.Errorf("result = %+v, want a decline naming the intent", res)
	}
}

func TestStripeMockAcceptsTheRefund(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	g := newGateway(t, base, nil)
	amounts := []money.Paise{0, 10000} // all of it, then part
	for _, amount := range amounts {
		ref, err := g.Refund(context.Background(), billing.RefundRequest{
			Key: "checkout:42:k", Reference: "pi_Paid1", Amount: amount, RefundKey: fmt.Sprintf("refund:checkout:42:k:%d", amount),
		})
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		if !strings.HasPrefix(ref, "re_") {
			t.Errorf("refund reference %q, want a refund id", ref)
		}
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, got := range reqs {
		if got.Method != http.MethodPost || got.Path != "/v1/refunds" || got.Status != http.StatusOK {
			t.Errorf("request = %s %s answered %d", got.Method, got.Path, got.Status)
		}
		wantForm(t, got.Form, map[string]string{"payment_intent": "pi_Paid1", "metadata[broadsheet_key]": "checkout:42:k"})
		if want := fmt.Sprintf("refund:checkout:42:k:%d", amounts[i]); got.IdempotencyKey != want {
			t.Errorf("Idempotency-Key = %q, want %q", got.IdempotencyKey, want)
		}
	}
	if _, whole := reqs[0].Form["amount"]; whole {
		t.Errorf("a whole refund sent amount=%s; it should send none", reqs[0].Form.Get("amount"))
	}
	if a := reqs[1].Form.Get("amount"); a != "10000" {
		t.Errorf("a partial refund sent amount=%q, want 10000", a)
	}
}
