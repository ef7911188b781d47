package billing_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// renewsFirst is the database as a resume sees it when a renewal commits
// between the resume's read of the subscription and its write.
type renewsFirst struct {
	*store.Store
	renew func() error
	done  bool
}

func (s *renewsFirst) SetAutoRenew(ctx context.Context, sub *billing.Subscription, on bool, next *time.Time, now time.Time) (bool, error) {
	if !s.done {
		s.done = true
		if err := s.renew(); err != nil {
			return false, err
		}
	}
	return s.Store.SetAutoRenew(ctx, sub, on, next, now)
}

// A resume that read the subscription just before its renewal was recorded
// must not schedule the next charge from the term already paid: that would
// charge the following term at once, months early.
func TestResumeRacingARenewalKeepsTheNextChargeAfterTheNewTerm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, billing.NewFormKey())
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		racing := *w.svc
		racing.Store = &renewsFirst{Store: st, renew: func() error { return w.svc.Renew(ctx, sub.ID) }}
		if err := racing.Resume(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		got, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TermsPaid != 2 {
			t.Fatalf("%d terms paid, want the renewal's 2", got.TermsPaid)
		}
		want := got.PaidUntil.Add(-billing.RenewalLead)
		if got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(want) {
			t.Errorf("next charge at %v, want %v (a day before the renewed term ends)", got.NextAttemptAt, want)
		}
		if due, err := w.svc.DueSubscriptions(ctx, 10); err != nil || len(due) != 0 {
			t.Errorf("%d subscriptions due right after their renewal (%v), want none", len(due), err)
		}
	})
}
