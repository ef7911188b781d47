package billing_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// beforePayment runs hook, once, when a checkout saves the reader's card:
// after it read the plan, before it records the payment and charges.
type beforePayment struct {
	*store.Store
	once *sync.Once
	hook func()
}

func (s beforePayment) BeginCheckout(ctx context.Context, p *billing.Payment, plan *billing.Plan) (*billing.Payment, bool, error) {
	s.once.Do(s.hook)
	return s.Store.BeginCheckout(ctx, p, plan)
}

// An admin reprices or retires a plan while a reader's checkout of it is
// on its way, between reading the plan and charging: the checkout charges
// nothing, says why, and the next one is at the plan as it is now.
func TestCheckoutOfAPlanChangedUnderItChargesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		plans, err := w.svc.AllPlans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var quarterly *billing.PlanUse
		for _, p := range plans {
			if p.Code == "smart-quarterly" {
				quarterly = p
			}
		}
		edit := func(price string, active bool) func() {
			return func() {
				if _, err := w.svc.EditPlan(ctx, quarterly.ID, billing.PlanForm{
					Name: quarterly.Name, Code: quarterly.Code, Price: price, Term: "3", Active: active,
				}); err != nil {
					t.Error(err)
				}
			}
		}
		for i, c := range []struct {
			change func()
			want   error
		}{
			{edit("1,000", true), billing.ErrPlanChanged},
			{edit("1,000", false), billing.ErrPlanRetired},
		} {
			racing := *w.svc
			racing.Store = beforePayment{Store: st, once: new(sync.Once), hook: c.change}
			sub, err := racing.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-"+string(rune('a'+i)))
			if !errors.Is(err, c.want) || sub != nil {
				t.Errorf("checkout %d: %+v, %v; want %v", i+1, sub, err, c.want)
			}
			if charges, succeeded, live := w.counts(t); charges != 0 || succeeded != 0 || live != 0 {
				t.Fatalf("checkout %d: %d charges, %d payments, %d subscriptions; want none", i+1, charges, succeeded, live)
			}
		}
		edit("1,000", true)()
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-c")
		if err != nil || sub == nil {
			t.Fatalf("checkout at the new price: %v", err)
		}
		if terms, err := st.Terms(ctx, sub.ID); err != nil || len(terms) != 1 || terms[0].Amount != 100000 {
			t.Errorf("paid %v (%v), want ₹1,000", terms, err)
		}
	})
}
