package stripepay_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
)

// A setup opens a Checkout session in setup mode, which saves a payment
// method without charging: stripe-mock checks every parameter against
// Stripe's spec. The key is the idempotency key and is written on the
// session and its SetupIntent; the Customer of the method replaced is kept.
func TestStripeMockAcceptsTheSetup(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	began := time.Now().Truncate(time.Second)
	g := newGateway(t, base, func() time.Time { return began })
	req := billing.SetupRequest{
		Key: "setup:42:AbCdEfGhIjKlMnOpQrStUv", Currency: "INR", Amount: 49900, AccountID: 42, Email: "reader@example.com",
		Description: "Payment method for Smart Essential (1 Month)",
		ReturnURL:   "https://news.example/account/payment-method/return?key=x",
		CancelURL:   "https://news.example/account/payment-method/return?key=x&cancelled=1",
		ExpiresAt:   began.Add(time.Hour),
	}
	page, err := g.StartSetup(context.Background(), req)
	if err != nil {
		t.Fatalf("StartSetup: %v", err)
	}
	if !strings.HasPrefix(page.Ref, "cs_") || !strings.HasPrefix(page.URL, "https://") || page.Fields != nil {
		t.Errorf("page = %+v, want a session id and a URL to GET", page)
	}
	got := rec.only(t)
	if got.Method != http.MethodPost || got.Path != "/v1/checkout/sessions" || got.Status != http.StatusOK {
		t.Fatalf("request = %s %s answered %d", got.Method, got.Path, got.Status)
	}
	if got.IdempotencyKey != req.Key {
		t.Errorf("Idempotency-Key = %q, want the setup's key %q", got.IdempotencyKey, req.Key)
	}
	wantForm(t, got.Form, map[string]string{
		"mode":              "setup",
		"currency":          "inr",
		"customer_creation": "always",
		"customer_email":    "reader@example.com",
		"setup_intent_data[metadata][broadsheet_key]": req.Key,
		"setup_intent_data[description]":              req.Description,
		"metadata[broadsheet_key]":                    req.Key,
		"client_reference_id":                         "42",
		"success_url":                                 req.ReturnURL,
		"cancel_url":                                  req.CancelURL,
		"expires_at":                                  strconv.FormatInt(began.Add(time.Hour).Unix(), 10),
	})
	for _, k := range []string{"line_items[0][quantity]", "payment_intent_data[setup_future_usage]", "customer"} {
		if v, ok := got.Form[k]; ok {
			t.Errorf("a setup sent %s = %q", k, v)
		}
	}

	// Replacing a saved card keeps its Customer, which renewals charge
	// the new card with.
	req.Key, req.Replaces = "setup:42:ZyXwVuTsRqPoNmLkJiHgFe", "cus_NffrFeUfNV2Hib/pm_1MqLiJLkdIwHu7ixUEgbFdYF"
	if _, err := g.StartSetup(context.Background(), req); err != nil {
		t.Fatalf("StartSetup replacing a card: %v", err)
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[1].Status != http.StatusOK {
		t.Fatalf("requests: %+v", reqs)
	}
	wantForm(t, reqs[1].Form, map[string]string{"customer": "cus_NffrFeUfNV2Hib", "customer_creation": "", "customer_email": ""})

	// Looking the setup up reads the session with its SetupIntent and
	// the payment method it saved.
	if _, _, err := g.Lookup(context.Background(), req.Key, page.Ref); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	last := rec.all()[2]
	if last.Method != http.MethodGet || last.Path != "/v1/checkout/sessions/"+page.Ref || last.Status != http.StatusOK ||
		expanded(last.Form) != "setup_intent setup_intent.payment_method" {
		t.Errorf("lookup = %s %s %v answered %d", last.Method, last.Path, last.Form, last.Status)
	}
}

// A completed setup session carries the payment method its SetupIntent
// saved, with the session's Customer, as the method renewals charge;
// nothing was charged, so there is nothing to refund. An expired one is a
// failure, and an open one is not finished.
func TestSetupLookup(t *testing.T) {
	sessions := map[string]string{
		"cs_done": `{"id":"cs_done","object":"checkout.session","mode":"setup","status":"complete","customer":"cus_A",
			"setup_intent":{"id":"seti_1","object":"setup_intent","status":"succeeded",
				"payment_method":{"id":"pm_9","object":"payment_method","type":"card",
					"card":{"brand":"visa","last4":"4242","exp_month":12,"exp_year":2031}}}}`,
		"cs_expired": `{"id":"cs_expired","object":"checkout.session","mode":"setup","status":"expired",
			"setup_intent":{"id":"seti_2","object":"setup_intent","status":"requires_payment_method"}}`,
		"cs_open": `{"id":"cs_open","object":"checkout.session","mode":"setup","status":"open",
			"setup_intent":{"id":"seti_3","object":"setup_intent","status":"requires_payment_method"}}`,
	}
	routes := map[string]http.HandlerFunc{}
	for id, body := range sessions {
		routes["GET /v1/checkout/sessions/"+id] = answer(http.StatusOK, body)
	}
	base, _ := fakeStripe(t, routes)
	g := newGateway(t, base, time.Now)
	ctx := context.Background()
	key := "setup:7:AbCdEfGhIjKlMnOpQrStUv"

	res, found, err := g.Lookup(ctx, key, "cs_done")
	if err != nil || !found || !res.Succeeded || res.Amount != 0 || res.Method == nil {
		t.Fatalf("completed: %+v, %v, %v", res, found, err)
	}
	if m := res.Method; m.Token != "cus_A/pm_9" || m.Brand != "Visa" || m.Last4 != "4242" || m.ExpMonth != 12 || m.ExpYear != 2031 {
		t.Errorf("saved method = %+v", m)
	}
	res, found, err = g.Lookup(ctx, key, "cs_expired")
	if err != nil || !found || res.Succeeded || res.Failure == "" {
		t.Errorf("expired: %+v, %v, %v", res, found, err)
	}
	if _, found, err = g.Lookup(ctx, key, "cs_open"); err != nil || found {
		t.Errorf("open: found %v, %v", found, err)
	}
}

// Stripe's webhook about a completed setup session names the setup, so
// that billing settles it even if the reader never comes back.
func TestASetupSessionWebhookNamesTheSetup(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil)
	for _, typ := range []string{"checkout.session.completed", "checkout.session.expired"} {
		body := event("evt_setup", typ, "checkout.session", `{"broadsheet_key":"setup:42:k"}`)
		ev, err := g.ParseWebhook(signed(body, testWebhookSecret, time.Now()), body)
		if err != nil || ev.Key != "setup:42:k" || !billing.IsSetupKey(ev.Key) {
			t.Errorf("%s: %+v, %v", typ, ev, err)
		}
	}
}
