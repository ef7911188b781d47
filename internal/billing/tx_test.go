package billing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

var errJobFailed = errors.New("the receipt job could not be written")

// receiptFails is the store with the last step of a checkout's completion,
// enqueuing the receipt, failing inside the transaction.
type receiptFails struct{ billing.Store }

func (s receiptFails) InBillingTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.Store.InBillingTx(ctx, func(tx billing.Tx) error { return fn(enqueueFails{tx}) })
}

type enqueueFails struct{ billing.Tx }

func (enqueueFails) EnqueueJob(context.Context, string, string, string, time.Time, time.Time) (bool, error) {
	return false, errJobFailed
}

// A checkout whose completion fails at its last step leaves nothing of it:
// the payment still pending, no subscription, no term; recovery then
// completes it once, charging nothing more.
func TestCheckoutCompletionIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		failing := *w.svc
		failing.Store = receiptFails{st}
		if _, err := failing.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, errJobFailed) {
			t.Fatalf("checkout whose receipt job fails: %v, want that failure", err)
		}
		p, err := st.PaymentByKey(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader))
		if err != nil || p.Status != billing.PaymentPending {
			t.Fatalf("payment %+v (%v), want still pending", p, err)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 0 || live != 0 {
			t.Fatalf("after the failed completion: %d charges, %d succeeded payments, %d subscriptions; want 1, 0, 0", charges, succeeded, live)
		}
		audit, err := st.AuditTestCharges(ctx, w.reader)
		if err != nil || len(audit) != 1 || audit[0].Terms != 0 {
			t.Fatalf("charges and their terms: %+v (%v), want one charge with no term", audit, err)
		}

		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if n := w.recover(t); n != 1 {
			t.Fatalf("recovery found %d stale checkouts, want 1", n)
		}
		sub, err := w.svc.Current(ctx, w.reader)
		if err != nil || sub == nil {
			t.Fatalf("after recovery: subscription %+v, %v", sub, err)
		}
		if _, _, err := st.JobByKey(ctx, billing.ReceiptKey(sub.ID)); err != nil {
			t.Errorf("no receipt job after recovery: %v", err)
		}
		audit, err = st.AuditTestCharges(ctx, w.reader)
		if err != nil || len(audit) != 1 || audit[0].Terms != 1 || audit[0].PaymentStatus != billing.PaymentSucceeded {
			t.Errorf("after recovery: %+v (%v), want one succeeded charge with one term", audit, err)
		}
	})
}

var errTermFailed = errors.New("the term could not be written")

// termFails is the store with the last step of a renewal's completion,
// recording the paid term, failing inside the transaction.
type termFails struct{ billing.Store }

func (s termFails) InBillingTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.Store.InBillingTx(ctx, func(tx billing.Tx) error { return fn(createTermFails{tx}) })
}

type createTermFails struct{ billing.Tx }

func (createTermFails) CreateTerm(context.Context, *billing.Term) error { return errTermFailed }

// A renewal whose completion fails at its last step leaves the
// subscription as it was and the payment pending; running the renewal
// again completes it, charging once.
func TestRenewalCompletionIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		failing := *w.svc
		failing.Store = termFails{st}
		if err := failing.Renew(ctx, sub.ID); !errors.Is(err, errTermFailed) {
			t.Fatalf("renewal whose term fails: %v, want that failure", err)
		}
		got, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil || got.TermsPaid != 1 || !got.PaidUntil.Equal(sub.PaidUntil) {
			t.Fatalf("subscription after the failed completion: %+v (%v), want it as it was", got, err)
		}
		if terms, err := st.Terms(ctx, sub.ID); err != nil || len(terms) != 1 {
			t.Fatalf("%d terms (%v), want the first alone", len(terms), err)
		}
		p, err := st.PaymentByKey(ctx, billing.RenewalKey(sub))
		if err != nil || p.Status != billing.PaymentPending {
			t.Fatalf("renewal payment %+v (%v), want still pending", p, err)
		}

		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatalf("renewal run again: %v", err)
		}
		if terms, err := st.Terms(ctx, sub.ID); err != nil || len(terms) != 2 {
			t.Errorf("%d terms after the renewal ran again (%v), want 2", len(terms), err)
		}
		audit, err := st.AuditTestCharges(ctx, w.reader)
		if err != nil || len(audit) != 2 {
			t.Fatalf("charges: %+v (%v), want the checkout's and one renewal's", audit, err)
		}
		for _, c := range audit {
			if c.Terms != 1 || c.Refunded || c.PaymentStatus != billing.PaymentSucceeded {
				t.Errorf("charge %+v, want succeeded with one term", c)
			}
		}
	})
}
