package billing_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// planLookupHook runs hook, once, when the renewal looks up its plan: after
// it has read the subscription and before it charges.
type planLookupHook struct {
	*store.Store
	once *sync.Once
	hook func()
}

func (s planLookupHook) PlanByID(ctx context.Context, id int64) (*billing.Plan, error) {
	s.once.Do(s.hook)
	return s.Store.PlanByID(ctx, id)
}

// While the old plan's late renewal is being charged, the reader checks out
// another plan: the checkout is refused with a clear message and charges
// nothing, and the renewal extends the subscription it paid for. Neither
// silently overrides the other.
func TestCheckoutDuringRenewalChargeIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(30 * time.Minute)) // the server was down over the renewal date
		var checkoutErr error
		hook := func() {
			_, checkoutErr = w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-2")
		}
		if err := w.through(beforeCharge{w.gateway, hook}).Renew(ctx, sub.ID); err != nil {
			t.Fatalf("renewal: %v", err)
		}
		if !errors.Is(checkoutErr, billing.ErrCheckoutInProgress) {
			t.Errorf("checkout during the renewal charge: %v, want a payment-in-progress refusal", checkoutErr)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 2 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want the checkout and the renewal, each buying a term", charges, refunded)
		}
		cur, err := w.svc.Current(ctx, w.reader)
		if err != nil || cur == nil || cur.ID != sub.ID || !billing.Entitled(cur, w.clk.Now()) {
			t.Fatalf("after the renewal: %+v, %v; want the renewed subscription", cur, err)
		}
		if _, _, live := w.counts(t); live != 1 {
			t.Errorf("%d live subscriptions, want 1", live)
		}
	})
}

// The other order: the new checkout commits after the renewal read the old
// subscription and before it charged. The renewal must neither charge for
// the subscription the checkout ended nor bring it back.
func TestRenewalAfterCheckoutReplacedItChargesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(30 * time.Minute))
		var replacement *billing.Subscription
		var checkoutErr error
		renewing := *w.svc
		renewing.Store = planLookupHook{Store: st, once: new(sync.Once), hook: func() {
			replacement, checkoutErr = w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-2")
		}}
		renewErr := renewing.Renew(ctx, sub.ID)
		if checkoutErr != nil || replacement == nil {
			t.Fatalf("checkout of the new plan: %+v, %v", replacement, checkoutErr)
		}
		if renewErr != nil {
			t.Errorf("renewal of the replaced subscription: %v", renewErr)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		w.recoverAll(t)
		w.assertEveryChargeAccounted(t)
		cur, err := w.svc.Current(ctx, w.reader)
		if err != nil || cur == nil || cur.ID != replacement.ID {
			t.Fatalf("current subscription %+v, %v; want the new checkout's", cur, err)
		}
		if old, _ := st.SubscriptionByID(ctx, sub.ID); old.Status != billing.Ended || old.TermsPaid != 1 {
			t.Errorf("the replaced subscription: %s with %d terms; want ended with 1", old.Status, old.TermsPaid)
		}
		if _, _, live := w.counts(t); live != 1 {
			t.Errorf("%d live subscriptions, want 1", live)
		}
	})
}
