package razorpay_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
)

// clocked gives the fake and a gateway one clock that the test moves.
func (e *env) clocked(t *testing.T, now *time.Time) *razorpay.Gateway {
	t.Helper()
	clock := func() time.Time { return *now }
	e.fake.SetClock(clock)
	gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: e.client, WebhookSecret: webhookSecret, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// payOrder pays an order on the hosted checkout with a form that carries
// no notes, as a checkout page opened by hand would.
func (e *env) payOrder(t *testing.T, orderID, card string) string {
	t.Helper()
	resp, err := http.PostForm(e.url+"/v1/checkout/embedded", url.Values{
		"key_id": {keyID}, "order_id": {orderID}, "name": {"Shop"}, "callback_url": {"https://shop.example/back"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := e.fake.CompleteCheckout(orderID, card)
	if err != nil {
		t.Fatal(err)
	}
	if id := cb.Form.Get("razorpay_payment_id"); id != "" {
		return id
	}
	return ""
}

// Payments lists every payment of the window, with our key from its notes
// or its order's, what it took and gave back; payments before the window,
// and orders that are not ours, are told apart.
func TestPaymentsListsTheWindowWithOurKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	gw := e.clocked(t, &now)

	e.subscribe(t, "checkout:7:before-the-window")
	now = now.Add(4 * 24 * time.Hour)
	since := now.Add(-72 * time.Hour)

	// A checkout paid on its page; one declined; a renewal on its mandate.
	_, paid := e.subscribe(t, "checkout:7:paid")
	declined, err := gw.StartCheckout(ctx, checkoutRequest("checkout:8:declined"))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, declined, razorpaytest.CardDeclined)
	now = now.Add(time.Minute)
	renewal, err := gw.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:3:2:1", Token: paid.Method.Token, Amount: price, Currency: "INR"})
	if err != nil || !renewal.Succeeded {
		t.Fatalf("renewal: %+v, %v", renewal, err)
	}
	if _, err := gw.Refund(ctx, billing.RefundRequest{Key: "renewal:3:2:1", Reference: renewal.Reference, Amount: 10000, RefundKey: "refund:part"}); err != nil {
		t.Fatal(err)
	}
	// An order of ours paid through a form without notes: the key is
	// the order's. One of another shop on the account; one whose notes
	// name a key its receipt is not of.
	ours, err := e.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR",
		Receipt: razorpay.Receipt("checkout:9:by-order"), Notes: razorpay.Notes{razorpay.NoteKey: "checkout:9:by-order"}})
	if err != nil {
		t.Fatal(err)
	}
	byOrder := e.payOrder(t, ours.ID, razorpaytest.CardSucceeds)
	theirs, err := e.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 70000, Currency: "INR", Receipt: "shop-1234"})
	if err != nil {
		t.Fatal(err)
	}
	e.payOrder(t, theirs.ID, razorpaytest.CardSucceeds)
	posing, err := e.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 70000, Currency: "INR", Receipt: "shop-1235",
		Notes: razorpay.Notes{razorpay.NoteKey: "checkout:7:paid"}})
	if err != nil {
		t.Fatal(err)
	}
	e.payOrder(t, posing.ID, razorpaytest.CardSucceeds)

	listed, err := gw.Payments(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]billing.ProviderPayment{}
	for _, p := range listed {
		byKey[p.Key] = append(byKey[p.Key], p)
	}
	if len(listed) != 6 {
		t.Errorf("%d payments listed, want 6: %+v", len(listed), listed)
	}
	if _, found := byKey["checkout:7:before-the-window"]; found {
		t.Error("a payment from before the window is listed")
	}
	want := map[string]billing.ProviderPayment{
		"checkout:7:paid":     {Ref: paid.Reference, Amount: price, Currency: "INR", Status: billing.ProviderSucceeded},
		"checkout:8:declined": {Amount: price, Currency: "INR", Status: billing.ProviderFailed},
		"renewal:3:2:1":       {Ref: renewal.Reference, Amount: price, Currency: "INR", Status: billing.ProviderSucceeded, Refunded: 10000},
		"checkout:9:by-order": {Ref: byOrder, Amount: 50000, Currency: "INR", Status: billing.ProviderSucceeded},
	}
	for key, w := range want {
		got := byKey[key]
		if len(got) != 1 {
			t.Errorf("%s: %d payments listed, want 1", key, len(got))
			continue
		}
		g := got[0]
		if (w.Ref != "" && g.Ref != w.Ref) || g.Amount != w.Amount || g.Currency != w.Currency || g.Status != w.Status || g.Refunded != w.Refunded {
			t.Errorf("%s: listed %+v, want %+v", key, g, w)
		}
		if g.CreatedAt.Before(since) || g.CreatedAt.After(now) {
			t.Errorf("%s: created %s, outside the window", key, g.CreatedAt)
		}
	}
	if n := len(byKey[""]); n != 2 {
		t.Errorf("%d payments without our key, want 2: another shop's, and one whose notes do not match its receipt", n)
	}
}

// A window of more payments than a page holds is read page by page,
// each payment once.
func TestPaymentsReadsEveryPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	gw := e.clocked(t, &now)
	page, err := gw.StartCheckout(ctx, checkoutRequest("checkout:7:many-tries"))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardDeclined)
	for range 204 { // the reader tries and tries on the open page
		if _, err := e.fake.CompleteCheckout(page.Ref, razorpaytest.CardDeclined); err != nil {
			t.Fatal(err)
		}
	}
	e.pay(t, page, razorpaytest.CardSucceeds)
	listed, err := gw.Payments(ctx, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	succeeded := 0
	for _, p := range listed {
		if seen[p.Ref] || p.Key != "checkout:7:many-tries" {
			t.Fatalf("payment %+v listed twice or without its key", p)
		}
		seen[p.Ref] = true
		if p.Status == billing.ProviderSucceeded {
			succeeded++
		}
	}
	if len(listed) != 206 || succeeded != 1 {
		t.Errorf("%d payments listed, %d succeeded; want 206 and 1", len(listed), succeeded)
	}
}

// A Razorpay that fails, or will not show the order a payment names, is
// an error, not a list that leaves payments out.
func TestPaymentsWhenRazorpayFails(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.subscribe(t, "checkout:7:paid")
	e.fake.FailNextRequests(1)
	if _, err := e.gw.Payments(ctx, time.Now().Add(-time.Hour)); err == nil {
		t.Fatal("Payments with Razorpay down: no error")
	}
	o, err := e.client.CreateOrder(ctx, razorpay.OrderRequest{Amount: 50000, Currency: "INR", Receipt: "shop-1"})
	if err != nil {
		t.Fatal(err)
	}
	e.payOrder(t, o.ID, razorpaytest.CardSucceeds)
	// Each request on a connection of its own, so that the transport
	// does not quietly send a lost GET again.
	fresh, err := razorpay.NewClient(razorpay.Config{BaseURL: e.url, KeyID: keyID, KeySecret: keySecret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: fresh})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.DropNextResponse(http.MethodGet, "/v1/orders/")
	if _, err := gw.Payments(ctx, time.Now().Add(-time.Hour)); err == nil {
		t.Fatal("Payments whose order lookup was lost: no error")
	}
	listed, err := e.gw.Payments(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(listed) != 2 {
		t.Fatalf("Payments once Razorpay answers: %d payments, %v", len(listed), err)
	}
	var total money.Paise
	for _, p := range listed {
		total += p.Amount
	}
	if total != price+50000 {
		t.Errorf("listed %s in all, want %s", total, price+50000)
	}
}
