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
