package billing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/clock"
	"broadsheet/internal/demo"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// razorpayWorld is one reader on a fresh store, billed through a fake
// Razorpay on loopback that shares the test's clock.
type razorpayWorld struct {
	st     *store.Store
	clk    *clock.Manual
	fake   *razorpaytest.Server
	gw     *razorpay.Gateway
	svc    *billing.Service
	reader int64
}

func newRazorpayWorld(t *testing.T, st *store.Store) *razorpayWorld {
	t.Helper()
	return newRazorpayWorldPaying(t, st, "")
}

// newRazorpayWorldPaying is a razorpayWorld whose checkout offers method
// ("" for cards).
func newRazorpayWorldPaying(t *testing.T, st *store.Store, method string) *razorpayWorld {
	t.Helper()
	ctx := context.Background()
	ist, _ := time.LoadLocation("Asia/Kolkata")
	clk := clock.NewManual(time.Date(2026, 11, 15, 10, 0, 0, 0, ist))
	if err := demo.EnsurePlans(ctx, st); err != nil {
		t.Fatal(err)
	}
	reader, err := (&accounts.Service{Store: st, Now: clk.Now}).Register(ctx, "reader@example.com", "long-enough-pass", accounts.RoleReader)
	if err != nil {
		t.Fatal(err)
	}
	fake := razorpaytest.New("rzp_test_key", "key-secret", "webhook-secret")
	fake.SetClock(clk.Now)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: "rzp_test_key", KeySecret: "key-secret",
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: "webhook-secret", Method: method, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc := &billing.Service{Store: st, Gateway: gw, Now: clk.Now, Location: func() *time.Location { return ist },
		BaseURL: "https://news.example"}
	return &razorpayWorld{st: st, clk: clk, fake: fake, gw: gw, svc: svc, reader: reader.ID}
}

// openPage opens the reader's browser on a checkout page: its form is
// posted to Razorpay's hosted checkout.
func (w *razorpayWorld) openPage(t *testing.T, page *billing.CheckoutPage) {
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
		t.Fatalf("Razorpay's checkout page: %s", resp.Status)
	}
}

// payPage pays a checkout page at Razorpay, as the reader does; nothing
// tells this site (the reader closes the tab, the webhook is lost).
func (w *razorpayWorld) payPage(t *testing.T, page *billing.CheckoutPage) string {
	t.Helper()
	w.openPage(t, page)
	cb, err := w.fake.CompleteCheckout(page.Ref, razorpaytest.CardSucceeds)
	if err != nil {
		t.Fatal(err)
	}
	return cb.Form.Get("razorpay_payment_id")
}

func (w *razorpayWorld) startCheckout(t *testing.T, formKey string) (*billing.CheckoutPage, error) {
	t.Helper()
	return w.svc.StartCheckout(context.Background(), billing.CheckoutStart{AccountID: w.reader, PlanCode: "smart-quarterly", FormKey: formKey})
}

func (w *razorpayWorld) live(t *testing.T) int {
	t.Helper()
	n, err := w.st.CountLiveSubscriptions(context.Background(), w.reader)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A reader paid on Razorpay's page and neither came back nor was heard of
// by webhook, and the recovery job was lost: reconciliation finds the
// payment at Razorpay and starts the subscription, once; Razorpay is not
// charged again.
func TestReconcileRazorpayRepairsAPaymentNeverHeardOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newRazorpayWorld(t, st)
		page, err := w.startCheckout(t, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		w.payPage(t, page)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		for run := range 2 {
			sum, err := w.svc.ReconcileRecent(ctx)
			if err != nil || sum.Repaired != 1-run || sum.Reported != 0 {
				t.Errorf("run %d: %+v, %v; want %d repairs and no report", run+1, sum, err, 1-run)
			}
		}
		if n := w.live(t); n != 1 {
			t.Fatalf("%d subscriptions, want 1", n)
		}
		if n, _ := st.CountSucceededPayments(ctx, w.reader); n != 1 {
			t.Errorf("%d succeeded payments, want 1", n)
		}
		if payments, captured := w.fake.Payments(), w.fake.CapturedPayments(); payments != 1 || captured != 1 {
			t.Errorf("Razorpay has %d payments, %d captured; want the reader's one", payments, captured)
		}
		sub, err := w.svc.Current(ctx, w.reader)
		if err != nil || sub == nil || sub.PaymentMethodID == 0 {
			t.Errorf("subscription %+v (%v), want one with the mandate saved for renewals", sub, err)
		}
	})
}

// A checkout released as never paid (its page closed unpaid) whose order
// the reader paid at Razorpay afterwards is refunded, once.
func TestReconcileRazorpayRefundsAPaymentOnAReleasedCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newRazorpayWorld(t, st)
		page, err := w.startCheckout(t, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(billing.CheckoutPageLifetime + billing.CheckoutRecoveryAfter)
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		p, err := st.PaymentByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.RecoverCheckout(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if p, _ := st.PaymentByKey(ctx, key); p.Status != billing.PaymentFailed {
			t.Fatalf("payment %q after recovery, want released", p.Status)
		}
		paid := w.payPage(t, page)
		for range 2 {
			if _, err := w.svc.ReconcileRecent(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := w.fake.Refunds(); n != 1 {
			t.Fatalf("%d refunds at Razorpay, want 1", n)
		}
		if got := w.fake.RefundedAmount(paid); got != 90000 {
			t.Errorf("refunded %d paise, want the whole ₹900", got)
		}
		if p, _ := st.PaymentByKey(ctx, key); p.Status != billing.PaymentRefunded || p.RefundRef == "" {
			t.Errorf("payment %+v, want refunded", p)
		}
		if n := w.live(t); n != 0 {
			t.Errorf("%d subscriptions, want none", n)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("reports %v, want none", reports)
		}
	})
}

// A payment at Razorpay under a key no payment of ours has, and one whose
// order was for another amount than our payment, are reported once each
// across two runs; the second is settled all the same, as the reader's
// return would settle it.
func TestReconcileRazorpayReportsUnknownKeysAndAmountsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newRazorpayWorld(t, st)
		stray, err := w.gw.StartCheckout(ctx, billing.CheckoutRequest{Key: "checkout:999999:gone", Amount: 90000, Currency: "INR",
			Email: "someone@example.com", ReturnURL: "https://news.example/checkout/return"})
		if err != nil {
			t.Fatal(err)
		}
		w.payPage(t, stray)
		// An order for this reader's next checkout exists at Razorpay
		// already, for another amount: our checkout cannot open its page,
		// and the reader pays the old order.
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		old, err := w.gw.StartCheckout(ctx, billing.CheckoutRequest{Key: key, Amount: 12345, Currency: "INR",
			Email: "reader@example.com", ReturnURL: "https://news.example/checkout/return"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.startCheckout(t, "form-1"); !errors.Is(err, billing.ErrProviderUnavailable) {
			t.Fatalf("checkout over an order of another amount: %v, want ErrProviderUnavailable", err)
		}
		w.payPage(t, old)
		w.clk.Advance(billing.CheckoutRecoveryAfter)

		for run := range 2 {
			sum, err := w.svc.ReconcileRecent(ctx)
			if want := 2 * (1 - run); err != nil || sum.Reported != want || sum.Checked != 2 {
				t.Errorf("run %d: %+v, %v; want 2 keys checked and %d reports filed", run+1, sum, err, want)
			}
			w.clk.Advance(time.Hour)
		}
		reports := openReports(t, w.svc)
		unknown, mismatch := reports[billing.ReportUnknownPayment], reports[billing.ReportAmountMismatch]
		if len(reports) != 2 || len(unknown) != 1 || len(mismatch) != 1 {
			t.Fatalf("open reports %v, want one unknown payment and one amount mismatch", reports)
		}
		if r := unknown[0]; r.PaymentKey != "checkout:999999:gone" || r.ProviderRef == "" {
			t.Errorf("unknown payment report %+v", r)
		}
		if r := mismatch[0]; r.PaymentKey != key || r.Detail != "Razorpay took ₹123.45; our payment is for ₹900." {
			t.Errorf("amount mismatch report %+v", r)
		}
		if n := w.live(t); n != 1 {
			t.Errorf("%d subscriptions, want the one the reader paid for", n)
		}
		if n := w.fake.CapturedPayments(); n != 2 {
			t.Errorf("%d payments captured at Razorpay, want 2", n)
		}
	})
}

// On Razorpay's page the reader's first card is declined and the second
// pays, and the webhook about the decline arrives first: the decline is
// not recorded while the page is open, so the payment that follows starts
// the subscription, and nothing is refunded or reported.
func TestRazorpayDeclineThenPaidOnTheSamePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newRazorpayWorld(t, st)
		page, err := w.startCheckout(t, billing.NewFormKey())
		if err != nil {
			t.Fatal(err)
		}
		w.openPage(t, page)
		deliver := func(event, paymentID string) {
			header, body, err := w.fake.Webhook(event, paymentID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.HandleWebhook(ctx, "razorpay", header, body); err != nil {
				t.Fatalf("%s webhook: %v", event, err)
			}
			if err := w.svc.SettlePayment(ctx, latestPayment(t, st, w.reader).ID); err != nil {
				t.Fatalf("settling after %s: %v", event, err)
			}
		}
		cb, err := w.fake.CompleteCheckout(page.Ref, "4000000000000002")
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			PaymentID string `json:"payment_id"`
		}
		if err := json.Unmarshal([]byte(cb.Form.Get("error[metadata]")), &meta); err != nil || meta.PaymentID == "" {
			t.Fatalf("the declined callback names no payment: %v", cb.Form)
		}
		deliver("payment.failed", meta.PaymentID)
		if p := latestPayment(t, st, w.reader); p.Status != billing.PaymentPending {
			t.Fatalf("after the decline's webhook, with the page open, the payment is %s (%s), want pending", p.Status, p.Failure)
		}
		paid, err := w.fake.CompleteCheckout(page.Ref, razorpaytest.CardSucceeds)
		if err != nil {
			t.Fatal(err)
		}
		deliver("payment.captured", paid.Form.Get("razorpay_payment_id"))
		if n := w.live(t); n != 1 {
			t.Fatalf("%d live subscriptions after paying on the same page, want 1", n)
		}
		if sum := (&checkoutWorld{st: st, clk: w.clk}).reconcile(t, w.svc); sum.Reported != 0 || w.fake.Refunds() != 0 {
			t.Errorf("reconciliation reported %d, %d refunds; want none", sum.Reported, w.fake.Refunds())
		}
	})
}

func latestPayment(t *testing.T, st *store.Store, account int64) *billing.Payment {
	t.Helper()
	payments, err := st.PaymentsOf(context.Background(), account)
	if err != nil || len(payments) == 0 {
		t.Fatalf("payments of %d: %v (%d)", account, err, len(payments))
	}
	return payments[0]
}
