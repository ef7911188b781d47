package billing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A checkout charged and then cut off is completed by recovery with the
// amount the payment charged, even if the plan was repriced meanwhile: the
// term (and the receipt built from it) records what the reader paid.
func TestRecoveredCheckoutRecordsTheAmountCharged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v", err)
		}
		plan, err := st.PlanByCode(ctx, "smart-quarterly")
		if err != nil {
			t.Fatal(err)
		}
		plan.Price += 10000 // the admin (or a redeploy's seed) reprices the plan
		if _, err := st.UpsertPlan(ctx, *plan); err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter + 1)
		w.recover(t)
		p, err := st.PaymentByKey(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := w.svc.Current(ctx, w.reader)
		if err != nil || sub == nil {
			t.Fatalf("no subscription: %v", err)
		}
		terms, _ := st.Terms(ctx, sub.ID)
		if len(terms) != 1 || terms[0].Amount != p.Amount {
			t.Errorf("charged %v, term records %v", p.Amount, terms[0].Amount)
		}
	})
}
