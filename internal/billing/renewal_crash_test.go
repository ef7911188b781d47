package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// cancelDuringCharge stops the job that is charging (a graceful shutdown)
// while the charge is on its way to the gateway.
type cancelDuringCharge struct {
	billing.Gateway
	cancel context.CancelFunc
}

func (g cancelDuringCharge) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	g.cancel()
	if err := ctx.Err(); err != nil {
		return billing.ChargeResult{}, err
	}
	return g.Gateway.Charge(ctx, c)
}

// subscribed checks the reader out on a quarterly plan and returns the
// subscription.
func (w *checkoutWorld) subscribed(t *testing.T) *billing.Subscription {
	t.Helper()
	sub, err := w.svc.Checkout(context.Background(), w.reader, "smart-quarterly", goodCard, "form-1")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// noticed sends the pre-debit notice of sub's next renewal at the start of
// the notice period, as the periodic work would, so that the renewal may
// be charged once it falls due.
func (w *checkoutWorld) noticed(t *testing.T, sub *billing.Subscription) {
	t.Helper()
	ctx := context.Background()
	got, err := w.st.SubscriptionByID(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Set(got.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))
	if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
		t.Fatalf("notice: %v", err)
	}
}

// recoverAll runs what the periodic recovery does once, for checkouts and
// renewals, and returns how many stale payments it found.
func (w *checkoutWorld) recoverAll(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	stale, err := w.svc.StalePayments(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if err := w.svc.RecoverPayment(ctx, p.ID); err != nil {
			t.Fatalf("recover payment %d: %v", p.ID, err)
		}
	}
	return len(stale)
}

// assertEveryChargeAccounted checks the money: every successful charge at
// the gateway bought exactly one term or was refunded, and no payment is
// left pending. It returns how many charges were refunded.
func (w *checkoutWorld) assertEveryChargeAccounted(t *testing.T) (charges, refunded int) {
	t.Helper()
	ctx := context.Background()
	audit, err := w.st.AuditTestCharges(ctx, w.reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range audit {
		switch {
		case c.Refunded && c.Terms == 0 && c.PaymentStatus == billing.PaymentRefunded:
			refunded++
		case !c.Refunded && c.Terms == 1 && c.PaymentStatus == billing.PaymentSucceeded:
		default:
			t.Errorf("charge %s: payment %q, %d terms, refunded %v; want one term or a refund", c.Key, c.PaymentStatus, c.Terms, c.Refunded)
		}
	}
	if n, err := w.st.CountPendingPayments(ctx, w.reader); err != nil || n != 0 {
		t.Errorf("%d payments still pending (%v), want none", n, err)
	}
	return len(audit), refunded
}

// A renewal whose process died after the gateway took the money, and whose
// reader then cancelled auto-renewal: the renewal job run again settles the
// charge under its key (the reader keeps the term paid for, and is charged
// nothing more next time) instead of leaving it pending for ever.
func TestRenewalChargedThenCrashedThenCancelledIsSettled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead + time.Minute))
		if err := w.through(crashAfterCharge{w.gateway}).Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v, want the simulated crash", err)
		}
		if err := w.svc.Cancel(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the job runs again; a second instance may too
			if err := w.svc.Renew(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		w.recoverAll(t)
		if charges, _ := w.assertEveryChargeAccounted(t); charges != 2 {
			t.Errorf("%d charges, want 2: the checkout and the renewal", charges)
		}
		got, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AutoRenew || got.NextAttemptAt != nil {
			t.Errorf("cancelled subscription renews again: auto-renew %v, next attempt %v", got.AutoRenew, got.NextAttemptAt)
		}
	})
}

// A renewal left charged-but-pending by a crash while the server was down
// past the end of the term: the reader who checks out anew is told a
// payment is being processed and charged nothing, and the renewal, settled
// by recovery, gives the term it paid for. Nobody pays for nothing.
func TestRenewalChargedThenCrashedThenCheckoutChargesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(30 * time.Minute))
		if err := w.through(crashAfterCharge{w.gateway}).Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v, want the simulated crash", err)
		}
		if _, err := w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-2"); !errors.Is(err, billing.ErrCheckoutInProgress) {
			t.Fatalf("checkout while the renewal is unsettled: %v, want a payment-in-progress refusal", err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if n := w.recoverAll(t); n != 1 {
			t.Fatalf("recovery found %d stale payments, want the renewal", n)
		}
		if err := w.svc.Renew(ctx, sub.ID); err != nil { // the job runs again afterwards
			t.Fatal(err)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 2 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want 2 charges that each bought a term", charges, refunded)
		}
		cur, err := w.svc.Current(ctx, w.reader)
		if err != nil || cur == nil || cur.ID != sub.ID || !billing.Entitled(cur, w.clk.Now()) {
			t.Fatalf("after recovery: %+v, %v; want the renewed subscription", cur, err)
		}
		if _, _, live := w.counts(t); live != 1 {
			t.Errorf("%d live subscriptions, want 1", live)
		}
	})
}

// A graceful shutdown that stops the renewal job mid-charge does not cut the
// charge off: it is seen through and recorded, not left pending.
func TestRenewalChargeSurvivesShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead + time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := w.through(cancelDuringCharge{w.gateway, cancel}).Renew(ctx, sub.ID); err != nil {
			t.Fatalf("renewal stopped mid-charge: %v", err)
		}
		if charges, _ := w.assertEveryChargeAccounted(t); charges != 2 {
			t.Errorf("%d charges, want 2", charges)
		}
		if terms, err := st.Terms(context.Background(), sub.ID); err != nil || len(terms) != 2 {
			t.Errorf("%d terms (%v), want 2", len(terms), err)
		}
	})
}
