package razorpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
)

func TestRazorpayDownIsAnErrorNotADecline(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, sub := e.subscribe(t, "checkout:7:down")
	c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price, Currency: "INR"}
	e.fake.FailNextRequests(1)
	res, err := e.gw.Charge(ctx, c)
	var apiErr *razorpay.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !apiErr.Retryable() {
		t.Fatalf("charge while Razorpay fails: %+v, %v", res, err)
	}
	if res, err := e.gw.Charge(ctx, c); err != nil || !res.Succeeded || e.fake.CapturedPayments() != 2 {
		t.Fatalf("charge once it is back: %+v, %v", res, err)
	}
}

func TestChargeRefusesATokenNotOfRazorpay(t *testing.T) {
	e := newEnv(t)
	for _, tok := range []string{"", "tok_4242424242424242_ab12", "cust_1", "token_1/cust_1", "cust_1/token_1/x"} {
		if _, err := e.gw.Charge(context.Background(), billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: tok, Amount: price}); err == nil {
			t.Errorf("token %q was charged", tok)
		}
	}
	if n := e.fake.Payments(); n != 0 {
		t.Fatalf("%d payments", n)
	}
}

func TestRefundOncePerKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "checkout:7:refunded"
	_, sub := e.subscribe(t, key)
	r := billing.RefundRequest{Key: key, Reference: sub.Reference, RefundKey: "refund:" + key}
	first, err := e.gw.Refund(ctx, r)
	if err != nil || !strings.HasPrefix(first, "rfnd_") {
		t.Fatal(first, err)
	}
	second, err := e.gw.Refund(ctx, r)
	if err != nil || second != first {
		t.Fatalf("second refund %q, %v; first %q", second, err, first)
	}
	// Without the reference, the key's payment is found and not refunded again.
	r.Reference = ""
	if third, err := e.gw.Refund(ctx, r); err != nil || third != first {
		t.Fatalf("refund by key %q, %v", third, err)
	}
	if n, amt := e.fake.Refunds(), e.fake.RefundedAmount(sub.Reference); n != 1 || amt != int64(price) {
		t.Fatalf("%d refunds of %d paise, want 1 of %d", n, amt, price)
	}
}

func TestPartialRefundsEachOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "checkout:7:partial"
	_, sub := e.subscribe(t, key)
	// Each refund's first answer is lost; asked again, each is found, and
	// the first key asked a third time is still the one refund.
	ids := map[string]string{}
	for _, refundKey := range []string{"goodwill:1", "goodwill:2"} {
		r := billing.RefundRequest{Key: key, Reference: sub.Reference, Amount: 30000, RefundKey: refundKey}
		e.fake.DropNextResponse(http.MethodPost, "/v1/payments/"+sub.Reference+"/refund")
		if id, err := e.gw.Refund(ctx, r); err == nil {
			t.Fatalf("%s: a lost answer reported refund %s", refundKey, id)
		}
		id, err := e.gw.Refund(ctx, r)
		if err != nil {
			t.Fatalf("%s again: %v", refundKey, err)
		}
		ids[refundKey] = id
	}
	if id, err := e.gw.Refund(ctx, billing.RefundRequest{Key: key, Reference: sub.Reference, Amount: 30000, RefundKey: "goodwill:1"}); err != nil || id != ids["goodwill:1"] {
		t.Fatalf("goodwill:1 a third time: %q, %v", id, err)
	}
	if n, amt := e.fake.Refunds(), e.fake.RefundedAmount(sub.Reference); n != 2 || amt != 60000 {
		t.Fatalf("%d refunds of %d paise, want 2 of 60000", n, amt)
	}
}

func TestRefundRefusesAPaymentOfAnotherKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, a := e.subscribe(t, "checkout:7:a")
	if _, err := e.gw.Refund(ctx, billing.RefundRequest{Key: "checkout:8:b", Reference: a.Reference, RefundKey: "refund:checkout:8:b"}); err == nil {
		t.Fatal("refunded a payment made under another key")
	}
	if _, err := e.gw.Refund(ctx, billing.RefundRequest{Key: "checkout:9:unpaid", RefundKey: "refund:checkout:9:unpaid"}); err == nil {
		t.Fatal("refunded a key with no payment")
	}
	if n := e.fake.Refunds(); n != 0 {
		t.Fatalf("%d refunds", n)
	}
}

func TestReceiptsFitRazorpay(t *testing.T) {
	seen := map[string]string{}
	keys := []string{"a", "checkout:1:x", "renewal:123456789:12:3", strings.Repeat("k", 10000), "चेकआउट:७", "refund:checkout:1:x"}
	for i := range 200 {
		keys = append(keys, "renewal:"+strings.Repeat("9", i))
	}
	for _, k := range keys {
		r := razorpay.Receipt(k)
		if len(r) > razorpay.MaxReceiptLen || len(r) < 20 || strings.Trim(r, "abcdefghijklmnopqrstuvwxyz234567_") != "" {
			t.Fatalf("receipt %q of %q", r, k)
		}
		if r != razorpay.Receipt(k) {
			t.Fatalf("receipt of %q changed", k)
		}
		if other, dup := seen[r]; dup && other != k {
			t.Fatalf("%q and %q share receipt %q", k, other, r)
		}
		seen[r] = k
	}
	// And every order the flows make carries one the fake took.
	e := newEnv(t)
	_, sub := e.subscribe(t, "checkout:"+strings.Repeat("7", 200))
	if _, err := e.gw.Charge(context.Background(), billing.Charge{IdempotencyKey: "renewal:" + strings.Repeat("1", 200), Token: sub.Method.Token, Amount: price}); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.fake.Receipts() {
		if len(r) > razorpay.MaxReceiptLen {
			t.Fatalf("receipt %q", r)
		}
	}
}

func TestCallbackSignature(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pageA, _ := e.gw.StartCheckout(ctx, checkoutRequest("checkout:7:cheap"))
	pageB, _ := e.gw.StartCheckout(ctx, checkoutRequest("checkout:8:other"))
	cb := e.pay(t, pageA, razorpaytest.CardSucceeds)
	if _, err := e.gw.VerifyCallback(pageA.Ref, cb.Form); err != nil {
		t.Fatalf("good callback refused: %v", err)
	}
	forged := func(edit func(url.Values)) url.Values {
		f := url.Values{}
		for k, v := range cb.Form {
			f[k] = append([]string(nil), v...)
		}
		edit(f)
		return f
	}
	for name, tc := range map[string]struct {
		order string
		form  url.Values
	}{
		"replayed on another checkout": {pageB.Ref, cb.Form},
		"naming another order":         {pageB.Ref, forged(func(f url.Values) { f.Set("razorpay_order_id", pageB.Ref) })},
		"another payment id":           {pageA.Ref, forged(func(f url.Values) { f.Set("razorpay_payment_id", "pay_Other000000001") })},
		"signature altered":            {pageA.Ref, forged(func(f url.Values) { f.Set("razorpay_signature", strings.Repeat("0", 64)) })},
		"signature missing":            {pageA.Ref, forged(func(f url.Values) { f.Del("razorpay_signature") })},
	} {
		if _, err := e.gw.VerifyCallback(tc.order, tc.form); !errors.Is(err, razorpay.ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func TestHangingOrHugeRazorpayFailsCleanly(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("[", 1<<16))
		for range 50 << 4 { // 50 MB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	for name, srv := range map[string]*httptest.Server{"hanging": hang, "huge": huge} {
		client, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: keyID, KeySecret: keySecret,
			HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		gw, _ := razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: webhookSecret})
		start := time.Now()
		res, err := gw.Charge(context.Background(), billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: "cust_A/token_B", Amount: price})
		if err == nil || res.Succeeded || res.Failure != "" {
			t.Errorf("%s: charge gave %+v, %v; want an error", name, res, err)
		}
		if name == "huge" && !errors.Is(err, razorpay.ErrResponseTooLarge) {
			t.Errorf("huge: err = %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

// A UPI Autopay mandate: the renewal is accepted and stays created, as
// Razorpay debits it only after its pre-debit notification, in the 25th
// hour. Until then Charge and Lookup say so with an error that is a
// billing.ErrChargePending, and charging again under the key makes no
// second payment; once the debit is collected both answer with it. A
// debit the bank declines is a decline.
func TestUPIAutopayRenewalIsDebitedADayLater(t *testing.T) {
	fake := razorpaytest.New(keyID, keySecret, webhookSecret)
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	fake.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: keyID, KeySecret: keySecret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: webhookSecret, Method: "upi",
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{fake: fake, url: srv.URL, client: client, gw: gw}
	ctx := context.Background()
	key := "checkout:7:upi"
	page, err := gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil {
		t.Fatal(err)
	}
	cb := e.pay(t, page, razorpaytest.VPASucceeds)
	p, err := client.FetchPayment(ctx, cb.Form.Get("razorpay_payment_id"))
	if err != nil || p.Method != "upi" || p.VPA != razorpaytest.VPASucceeds || p.Status != razorpay.PaymentCaptured {
		t.Fatalf("the checkout's payment %+v (%v), want a captured UPI payment from the VPA", p, err)
	}
	res, found, err := gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || res.Method == nil || res.Method.Brand != "UPI" {
		t.Fatalf("lookup after paying: %+v, %v, %v; want the UPI mandate saved", res, found, err)
	}
	customerID, tokenID, _ := strings.Cut(res.Method.Token, "/")
	tok, err := client.FetchToken(ctx, customerID, tokenID)
	if err != nil || tok.Method != "upi" || tok.VPA == nil || tok.VPA.Username+"@"+tok.VPA.Handle != razorpaytest.VPASucceeds || tok.Card != nil {
		t.Fatalf("token %+v (%v), want a UPI token with its VPA", tok, err)
	}

	for i, outcome := range []string{"captured", "failed"} {
		renewal := billing.Charge{IdempotencyKey: "renewal:1:2:" + string(rune('1'+i)), Token: res.Method.Token, Amount: price, Currency: "INR"}
		if outcome == "failed" {
			fake.FailNextRecurring(1)
		}
		before := fake.Payments()
		for try := range 3 {
			if _, err := gw.Charge(ctx, renewal); !errors.Is(err, billing.ErrChargePending) || !errors.Is(err, razorpay.ErrPending) {
				t.Fatalf("%s: charge %d before the debit: %v, want ErrChargePending", outcome, try+1, err)
			}
			if _, _, err := gw.Lookup(ctx, renewal.IdempotencyKey, ""); !errors.Is(err, billing.ErrChargePending) {
				t.Fatalf("%s: lookup before the debit: %v, want ErrChargePending", outcome, err)
			}
			now = now.Add(8 * time.Hour)
		}
		if n := fake.Payments(); n != before+1 {
			t.Fatalf("%s: %d payments made by three charges under one key, want 1", outcome, n-before)
		}
		now = now.Add(razorpaytest.UPIDebitDelay - 24*time.Hour)
		got, found, err := gw.Lookup(ctx, renewal.IdempotencyKey, "")
		if err != nil || !found || got.Succeeded != (outcome == "captured") {
			t.Fatalf("%s: lookup after the debit: %+v, %v, %v", outcome, got, found, err)
		}
		if outcome == "failed" && got.Failure != razorpaytest.UPIDecline {
			t.Errorf("declined debit's reason %q, want the fake's", got.Failure)
		}
		if again, err := gw.Charge(ctx, renewal); err != nil || again.Reference != got.Reference || fake.Payments() != before+1 {
			t.Fatalf("%s: charge after the debit: %+v, %v; want its outcome and no new payment", outcome, again, err)
		}
	}
	if n := fake.CapturedPayments(); n != 2 {
		t.Errorf("%d captured, want the checkout and the first renewal", n)
	}
}
