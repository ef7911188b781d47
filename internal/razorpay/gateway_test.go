package razorpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
)

const (
	keyID         = "rzp_test_broadsheet"
	keySecret     = "key-secret-for-tests"
	webhookSecret = "webhook-secret-for-tests"
	price         = money.Paise(90000) // ₹900
)

// env is a fake Razorpay on loopback and a gateway pointed at it.
type env struct {
	fake   *razorpaytest.Server
	url    string
	client *razorpay.Client
	gw     *razorpay.Gateway
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := razorpaytest.New(keyID, keySecret, webhookSecret)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: keyID, KeySecret: keySecret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: webhookSecret, BusinessName: "The Daily Test"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, url: srv.URL, client: client, gw: gw}
}

func checkoutRequest(key string) billing.CheckoutRequest {
	return billing.CheckoutRequest{
		Key: key, Amount: price, Currency: "INR", Description: "Smart Essential, 3 months", TermMonths: 3,
		AccountID: 7, Email: "reader@example.com",
		ReturnURL: "https://news.example/pay/razorpay/return", CancelURL: "https://news.example/plans",
		ExpiresAt: time.Now().Add(time.Hour),
	}
}

// pay opens the checkout page in the reader's browser (a form POST of the
// page's fields) and pays it with card, returning the callback.
func (e *env) pay(t *testing.T, page *billing.CheckoutPage, card string) *razorpaytest.Callback {
	t.Helper()
	form := url.Values{}
	for k, v := range page.Fields {
		form.Set(k, v)
	}
	resp, err := http.PostForm(page.URL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the hosted checkout refused the form: %s", resp.Status)
	}
	cb, err := e.fake.CompleteCheckout(page.Ref, card)
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// subscribe runs a paid checkout and returns its key and Lookup's result.
func (e *env) subscribe(t *testing.T, key string) (*billing.CheckoutPage, billing.ChargeResult) {
	t.Helper()
	ctx := context.Background()
	page, err := e.gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardSucceeds)
	res, found, err := e.gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || !res.Succeeded || res.Method == nil {
		t.Fatalf("lookup after paying: %+v, %v, %v", res, found, err)
	}
	return page, res
}

func TestCheckoutPaidThenLookedUpThenRenewed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "checkout:7:Zm9ybWtleQ"
	page, err := e.gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil {
		t.Fatal(err)
	}
	if page.URL != e.url+"/v1/checkout/embedded" || !strings.HasPrefix(page.Ref, "order_") {
		t.Fatalf("page %+v", page)
	}
	for field, want := range map[string]string{
		"key_id": keyID, "order_id": page.Ref, "recurring": "1", "amount": "90000", "currency": "INR",
		"name": "The Daily Test", "description": "Smart Essential, 3 months", "prefill[email]": "reader@example.com",
		"callback_url": "https://news.example/pay/razorpay/return", "cancel_url": "https://news.example/plans",
		"notes[broadsheet_key]": key,
	} {
		if got := page.Fields[field]; got != want {
			t.Errorf("field %s = %q, want %q", field, got, want)
		}
	}
	if !strings.HasPrefix(page.Fields["customer_id"], "cust_") {
		t.Errorf("customer_id = %q", page.Fields["customer_id"])
	}
	if _, found, err := e.gw.Lookup(ctx, key, page.Ref); err != nil || found {
		t.Fatalf("lookup before paying: found %v, %v", found, err)
	}
	// The same key again is the same checkout, not a second order.
	again, err := e.gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil || again.Ref != page.Ref {
		t.Fatalf("second start: %+v, %v", again, err)
	}

	cb := e.pay(t, page, razorpaytest.CardSucceeds)
	if cb.URL != "https://news.example/pay/razorpay/return" {
		t.Fatalf("callback to %q", cb.URL)
	}
	paymentID, err := e.gw.VerifyCallback(page.Ref, cb.Form)
	if err != nil {
		t.Fatalf("callback refused: %v", err)
	}
	res, found, err := e.gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || !res.Succeeded || res.Reference != paymentID || res.Amount != price {
		t.Fatalf("lookup: %+v, %v, %v", res, found, err)
	}
	m := res.Method
	if m == nil || m.Gateway != "razorpay" || m.Brand != "Visa" || m.Last4 != "1111" || m.ExpMonth != 12 || m.ExpYear < 2026 {
		t.Fatalf("saved method %+v", m)
	}
	// The mandate asks for the ceiling, not just the price, so that a
	// modest price rise still renews, and charges as presented.
	cust, tok, _ := strings.Cut(m.Token, "/")
	token, err := e.client.FetchToken(ctx, cust, tok)
	if err != nil || token.MaxAmount != int64(razorpay.DefaultMandateCeiling) {
		t.Fatalf("token %+v, %v", token, err)
	}
	// Lookup by receipt (as recovery asks, without the order) agrees.
	if byKey, found, err := e.gw.Lookup(ctx, key, ""); err != nil || !found || byKey.Reference != paymentID {
		t.Fatalf("lookup by key: %+v, %v, %v", byKey, found, err)
	}

	renewal, err := e.gw.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: m.Token, Amount: price, Currency: "INR"})
	if err != nil || !renewal.Succeeded || renewal.Reference == "" || renewal.Reference == paymentID || renewal.Amount != price {
		t.Fatalf("renewal: %+v, %v", renewal, err)
	}
	if n := e.fake.CapturedPayments(); n != 2 {
		t.Fatalf("%d payments captured, want the checkout and the renewal", n)
	}
	got, found, err := e.gw.Lookup(ctx, "renewal:1:2:1", "")
	if err != nil || !found || !got.Succeeded || got.Reference != renewal.Reference {
		t.Fatalf("renewal lookup: %+v, %v, %v", got, found, err)
	}
}

func TestAPlanDearerThanTheCeilingAsksAMandateOfItsPrice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := checkoutRequest("checkout:7:dear")
	req.Amount = 2_000_000
	page, err := e.gw.StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardSucceeds)
	res, _, err := e.gw.Lookup(ctx, req.Key, page.Ref)
	if err != nil || res.Method == nil {
		t.Fatal(res, err)
	}
	cust, tok, _ := strings.Cut(res.Method.Token, "/")
	token, err := e.client.FetchToken(ctx, cust, tok)
	if err != nil || token.MaxAmount != 2_000_000 {
		t.Fatalf("token %+v, %v", token, err)
	}
}

func TestCheckoutDeclined(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "checkout:7:declined"
	page, err := e.gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil {
		t.Fatal(err)
	}
	cb := e.pay(t, page, razorpaytest.CardDeclined)
	var decline *billing.DeclineError
	if _, err := e.gw.VerifyCallback(page.Ref, cb.Form); !errors.As(err, &decline) || decline.Message != razorpaytest.CheckoutDecline {
		t.Fatalf("callback of a decline: %v", err)
	}
	res, found, err := e.gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || res.Succeeded || res.Failure != razorpaytest.CheckoutDecline || res.Method != nil {
		t.Fatalf("lookup of a decline: %+v, %v, %v", res, found, err)
	}
}

func TestLookupCapturesAnAuthorizedPayment(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.fake.HoldCaptures(true)
	key := "checkout:7:authorized"
	page, err := e.gw.StartCheckout(ctx, checkoutRequest(key))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardSucceeds)
	if n := e.fake.CapturedPayments(); n != 0 {
		t.Fatalf("%d captured before the lookup", n)
	}
	res, found, err := e.gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || !res.Succeeded {
		t.Fatalf("lookup: %+v, %v, %v", res, found, err)
	}
	if n := e.fake.CapturedPayments(); n != 1 {
		t.Fatalf("%d captured after the lookup, want 1", n)
	}
	// Asked again, it finds the capture and takes nothing more.
	if again, _, err := e.gw.Lookup(ctx, key, page.Ref); err != nil || again.Reference != res.Reference || e.fake.CapturedPayments() != 1 {
		t.Fatalf("second lookup: %+v, %v", again, err)
	}
}

func TestLookupRefusesAnotherKeysOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	page, _ := e.subscribe(t, "checkout:7:mine")
	if _, _, err := e.gw.Lookup(ctx, "checkout:8:theirs", page.Ref); err == nil {
		t.Fatal("a lookup took another checkout's order as its own")
	}
}

func TestChargeTwiceWithOneKeyChargesOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, sub := e.subscribe(t, "checkout:7:twice")
	c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price, Currency: "INR"}
	first, err := e.gw.Charge(ctx, c)
	if err != nil || !first.Succeeded {
		t.Fatal(first, err)
	}
	second, err := e.gw.Charge(ctx, c)
	if err != nil || second != first {
		t.Fatalf("second charge %+v, %v; first %+v", second, err, first)
	}
	if n := e.fake.CapturedPayments(); n != 2 {
		t.Fatalf("%d payments captured, want the checkout's and one renewal", n)
	}
}

func TestChargeWhoseAnswerWasLostIsNotChargedAgain(t *testing.T) {
	for _, lost := range []string{"/v1/payments/create/recurring", "/v1/orders"} {
		t.Run(strings.TrimPrefix(lost, "/v1/"), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			_, sub := e.subscribe(t, "checkout:7:lost")
			c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price, Currency: "INR"}
			e.fake.DropNextResponse(http.MethodPost, lost)
			if res, err := e.gw.Charge(ctx, c); err == nil {
				t.Fatalf("a charge whose answer was lost reported %+v", res)
			}
			wantCaptured := 1
			if lost == "/v1/payments/create/recurring" {
				wantCaptured = 2 // the charge went through; only its answer was lost
			}
			if n := e.fake.CapturedPayments(); n != wantCaptured {
				t.Fatalf("%d captured after the lost answer, want %d", n, wantCaptured)
			}
			// Recovery asks, then the renewal is run again under the key.
			res, found, err := e.gw.Lookup(ctx, c.IdempotencyKey, "")
			if err != nil || found != (wantCaptured == 2) {
				t.Fatalf("lookup: %+v, %v, %v", res, found, err)
			}
			again, err := e.gw.Charge(ctx, c)
			if err != nil || !again.Succeeded || (found && again.Reference != res.Reference) {
				t.Fatalf("charge again: %+v, %v", again, err)
			}
			if n := e.fake.CapturedPayments(); n != 2 {
				t.Fatalf("%d payments captured, want the checkout's and one renewal", n)
			}
			n := 0
			for _, r := range e.fake.Receipts() {
				if r == razorpay.Receipt(c.IdempotencyKey) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d orders for the renewal's receipt, want 1", n)
			}
		})
	}
}

func TestConcurrentChargesWithOneKeyChargeOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, sub := e.subscribe(t, "checkout:7:race")
	c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price, Currency: "INR"}
	const callers = 8
	results := make([]billing.ChargeResult, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = e.gw.Charge(ctx, c) })
	}
	wg.Wait()
	ref := ""
	for i := range callers {
		if errs[i] != nil {
			continue // an unknown outcome is allowed; a second charge is not
		}
		if !results[i].Succeeded || (ref != "" && results[i].Reference != ref) {
			t.Fatalf("caller %d: %+v (another had %s)", i, results[i], ref)
		}
		ref = results[i].Reference
	}
	if n := e.fake.CapturedPayments(); n != 2 {
		t.Fatalf("%d payments captured, want the checkout's and one renewal", n)
	}
}

func TestDeclinedRenewal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, sub := e.subscribe(t, "checkout:7:declines")
	e.fake.FailNextRecurring(1)
	c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price, Currency: "INR"}
	res, err := e.gw.Charge(ctx, c)
	if err != nil {
		t.Fatalf("a decline was an error: %v", err)
	}
	if res.Succeeded || res.Failure != razorpaytest.RecurringDecline || !strings.HasPrefix(res.Reference, "pay_") {
		t.Fatalf("decline %+v", res)
	}
	payments := e.fake.Payments()
	// The same attempt again answers its decline and charges nothing.
	if again, err := e.gw.Charge(ctx, c); err != nil || again != res || e.fake.Payments() != payments {
		t.Fatalf("charge again: %+v, %v (%d payments, were %d)", again, err, e.fake.Payments(), payments)
	}
	if got, found, err := e.gw.Lookup(ctx, c.IdempotencyKey, ""); err != nil || !found || got.Succeeded || got.Failure != res.Failure {
		t.Fatalf("lookup of a decline: %+v, %v, %v", got, found, err)
	}
	// The next attempt has its own key and goes through.
	c.IdempotencyKey = "renewal:1:2:2"
	if ok, err := e.gw.Charge(ctx, c); err != nil || !ok.Succeeded {
		t.Fatalf("retry: %+v, %v", ok, err)
	}
}

func TestRenewalAboveTheMandateIsDeclinedNotAnError(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, sub := e.subscribe(t, "checkout:7:ceiling")
	c := billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: razorpay.DefaultMandateCeiling + 100, Currency: "INR"}
	res, err := e.gw.Charge(ctx, c)
	if err != nil || res.Succeeded || !strings.Contains(res.Failure, "maximum amount") {
		t.Fatalf("charge above the mandate: %+v, %v", res, err)
	}
	if n := e.fake.CapturedPayments(); n != 1 {
		t.Fatalf("%d captured", n)
	}
}
