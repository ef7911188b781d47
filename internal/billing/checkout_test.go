package billing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/clock"
	"broadsheet/internal/demo"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// lostBeforeCharge is a gateway the charge never reaches: the process dies,
// or the network fails, on the way.
type lostBeforeCharge struct{ billing.Gateway }

func (g lostBeforeCharge) Charge(context.Context, billing.Charge) (billing.ChargeResult, error) {
	return billing.ChargeResult{}, errCrash
}

// beforeCharge runs hook just before the charge reaches the gateway.
type beforeCharge struct {
	billing.Gateway
	hook func()
}

func (g beforeCharge) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	g.hook()
	return g.Gateway.Charge(ctx, c)
}

// checkoutWorld is one reader on a fresh store, a manual clock and the
// test gateway.
type checkoutWorld struct {
	st      *store.Store
	clk     *clock.Manual
	gateway *billing.TestGateway
	svc     *billing.Service
	reader  int64
	mail    *sentMail
}

func newCheckoutWorld(t *testing.T, st *store.Store) *checkoutWorld {
	t.Helper()
	ctx := context.Background()
	ist, _ := time.LoadLocation("Asia/Kolkata")
	clk := clock.NewManual(time.Date(2026, 11, 15, 10, 0, 0, 0, ist))
	if err := demo.EnsurePlans(ctx, st); err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: st, Now: clk.Now}
	reader, err := acc.Register(ctx, "reader@example.com", "long-enough-pass", accounts.RoleReader)
	if err != nil {
		t.Fatal(err)
	}
	gateway := &billing.TestGateway{Store: st, Now: clk.Now}
	sent := &sentMail{}
	svc := &billing.Service{Store: st, Gateway: gateway, Now: clk.Now, Location: func() *time.Location { return ist },
		Mail: sent, Publication: func() string { return "The Example Times" }, BaseURL: "https://news.example"}
	return &checkoutWorld{st: st, clk: clk, gateway: gateway, svc: svc, reader: reader.ID, mail: sent}
}

// through returns the service with its gateway wrapped.
func (w *checkoutWorld) through(g billing.Gateway) *billing.Service {
	s := *w.svc
	s.Gateway = g
	return &s
}

// recover runs what the periodic recovery does once, and returns how many
// stale checkouts it found.
func (w *checkoutWorld) recover(t *testing.T) int {
	t.Helper()
	stale, err := w.svc.StalePayments(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if err := w.svc.RecoverCheckout(context.Background(), p.ID); err != nil {
			t.Fatalf("recover payment %d: %v", p.ID, err)
		}
	}
	return len(stale)
}

func (w *checkoutWorld) counts(t *testing.T) (charges, succeeded, live int) {
	t.Helper()
	ctx := context.Background()
	var err error
	if charges, err = w.st.CountTestCharges(ctx, w.reader); err != nil {
		t.Fatal(err)
	}
	if succeeded, err = w.st.CountSucceededPayments(ctx, w.reader); err != nil {
		t.Fatal(err)
	}
	if live, err = w.st.CountLiveSubscriptions(ctx, w.reader); err != nil {
		t.Fatal(err)
	}
	return charges, succeeded, live
}

var goodCard = billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2030", CVC: "123"}

// A checkout whose process died after the gateway took the money: the
// payment stays pending, and recovery starts the subscription it paid for,
// with one term and one receipt, and charges nothing more.
func TestCheckoutChargedThenCrashedIsRecovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		_, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v, want ErrPaymentInProgress", err)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 0 || live != 0 {
			t.Fatalf("after the crash: %d charges, %d succeeded payments, %d subscriptions; want 1, 0, 0", charges, succeeded, live)
		}
		if pending, err := w.svc.PendingCheckout(ctx, w.reader); err != nil || !pending {
			t.Fatalf("pending checkout: %v, %v", pending, err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter - time.Second)
		if n := w.recover(t); n != 0 {
			t.Fatalf("recovery picked up a checkout %d before its time", n)
		}
		w.clk.Advance(2 * time.Second)
		if n := w.recover(t); n != 1 {
			t.Fatalf("recovery found %d stale checkouts, want 1", n)
		}
		w.recover(t) // a second pass, or a second instance, changes nothing
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("after recovery: %d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
		sub, err := w.svc.Current(ctx, w.reader)
		if err != nil || sub == nil || !billing.Entitled(sub, w.clk.Now()) {
			t.Fatalf("after recovery: subscription %+v, %v", sub, err)
		}
		if terms, err := st.Terms(ctx, sub.ID); err != nil || len(terms) != 1 {
			t.Errorf("after recovery: %d terms (%v), want 1", len(terms), err)
		}
		if _, _, err := st.JobByKey(ctx, billing.ReceiptKey(sub.ID)); err != nil {
			t.Errorf("no receipt job for the recovered subscription: %v", err)
		}
		again, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if !errors.Is(err, billing.ErrAlreadySubscribed) || again == nil || again.ID != sub.ID {
			t.Errorf("form resubmitted after recovery: %+v, %v; want the subscription, already there", again, err)
		}
		if charges, _, _ := w.counts(t); charges != 1 {
			t.Errorf("%d charges in the end, want 1", charges)
		}
	})
}

// A checkout whose charge never reached the gateway is released by
// recovery once its page stops taking payment: nothing charged, no
// subscription, and the reader can check out again.
func TestCheckoutNeverChargedIsReleased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(lostBeforeCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout with a lost charge: %v, want ErrPaymentInProgress", err)
		}
		// While its page may still take the reader's payment, recovery
		// leaves it be.
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		stale, err := w.svc.StalePayments(ctx, 10)
		if err != nil || len(stale) != 1 {
			t.Fatalf("stale payments: %d, %v", len(stale), err)
		}
		if err := w.svc.RecoverCheckout(ctx, stale[0].ID); err == nil {
			t.Fatal("recovery released a checkout whose page is still open")
		}
		if pending, _ := w.svc.PendingCheckout(ctx, w.reader); !pending {
			t.Fatal("the checkout was released while its page is open")
		}
		w.clk.Advance(billing.CheckoutPageLifetime)
		if n := w.recover(t); n != 1 {
			t.Fatalf("recovery found %d stale checkouts, want 1", n)
		}
		if charges, succeeded, live := w.counts(t); charges != 0 || succeeded != 0 || live != 0 {
			t.Fatalf("after release: %d charges, %d succeeded payments, %d subscriptions; want none", charges, succeeded, live)
		}
		if pending, _ := w.svc.PendingCheckout(ctx, w.reader); pending {
			t.Fatal("the released checkout is still pending")
		}
		var decline *billing.DeclineError
		if _, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.As(err, &decline) {
			t.Errorf("the released form resubmitted: %v, want a message that nothing was charged", err)
		}
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-2")
		if err != nil || sub == nil {
			t.Fatalf("checking out again after the release: %+v, %v", sub, err)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Errorf("after checking out again: %d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
	})
}

// A charge that lands after recovery released its payment (the gateway
// answered very late) cannot start a subscription any more: it is refunded,
// and the refund recorded at the gateway and on the payment.
func TestLateChargeAfterReleaseIsRefunded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		late := beforeCharge{Gateway: w.gateway, hook: func() {
			w.clk.Advance(billing.CheckoutPageLifetime + billing.CheckoutRecoveryAfter)
			if n := w.recover(t); n != 1 {
				t.Errorf("recovery found %d stale checkouts, want 1", n)
			}
		}}
		_, err := w.through(late).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		var decline *billing.DeclineError
		if !errors.As(err, &decline) {
			t.Fatalf("checkout whose charge landed after its release: %v, want a message", err)
		}
		if _, succeeded, live := w.counts(t); succeeded != 0 || live != 0 {
			t.Fatalf("%d succeeded payments and %d subscriptions, want none", succeeded, live)
		}
		refunded, err := st.CountTestRefunds(ctx, w.reader)
		if err != nil || refunded != 1 {
			t.Fatalf("%d refunds at the gateway (%v), want 1", refunded, err)
		}
		p, err := st.PaymentByKey(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader))
		if err != nil || p.Status != billing.PaymentRefunded || p.RefundRef == "" {
			t.Fatalf("payment %+v (%v), want refunded with the refund's reference", p, err)
		}
	})
}

// A subscription that ran out but whose end the renewal job has not
// recorded yet does not stop the reader from subscribing again.
func TestCheckoutAfterLapsedSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		first, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Cancel(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		w.clk.Set(first.PaidUntil.Add(time.Hour))
		second, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-2")
		if err != nil || second == nil || second.ID == first.ID {
			t.Fatalf("checkout after the first ran out: %+v, %v", second, err)
		}
		if old, err := st.SubscriptionByID(ctx, first.ID); err != nil || old.Status != billing.Ended {
			t.Errorf("the lapsed subscription: %+v, %v; want ended", old, err)
		}
		if _, _, live := w.counts(t); live != 1 {
			t.Errorf("%d live subscriptions, want 1", live)
		}
	})
}

// A reader whose checkout was charged but not yet recorded starts another
// from a second tab: the paid one is found at the gateway and starts the
// subscription, and the second charges nothing.
func TestSecondCheckoutSettlesThePaidOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v, want ErrPaymentInProgress", err)
		}
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-2")
		if !errors.Is(err, billing.ErrAlreadySubscribed) || sub == nil {
			t.Fatalf("second tab: %+v, %v; want the subscription the first paid for", sub, err)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("%d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
	})
}

// A reader who left the provider's page unpaid and chose again is not
// held up: the open checkout is released and the new one goes through.
func TestAbandonedCheckoutMakesWayForANewOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.svc.StartCheckout(ctx, billing.CheckoutStart{AccountID: w.reader, PlanCode: "smart-quarterly", FormKey: "form-1"}); err != nil {
			t.Fatal(err)
		}
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-2")
		if err != nil || sub == nil {
			t.Fatalf("a new checkout after an abandoned one: %+v, %v", sub, err)
		}
		// Paying the abandoned page after all charges nothing.
		if err := w.svc.PayTestCheckout(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader), goodCard); !errors.Is(err, billing.ErrCheckoutClosed) {
			t.Errorf("paying the abandoned checkout: %v, want ErrCheckoutClosed", err)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("%d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
	})
}
