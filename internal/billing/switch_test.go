package billing_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// renewNow sends sub's next notice and charges its renewal when due, as the
// periodic work would, and returns the subscription after.
func (w *checkoutWorld) renewNow(t *testing.T, sub *billing.Subscription) *billing.Subscription {
	t.Helper()
	ctx := context.Background()
	w.noticed(t, sub)
	got, err := w.st.SubscriptionByID(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Set(*got.NextAttemptAt)
	if err := w.svc.Renew(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = w.st.SubscriptionByID(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	return got
}

func (w *checkoutWorld) plan(t *testing.T, code string) *billing.Plan {
	t.Helper()
	p, err := w.st.PlanByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A switch at renewal: the next notice names the new plan and its price,
// the renewal charges that, and the new plan's terms are counted from
// where the old plan's last term ended; the reader can take the switch
// back before then.
func TestSwitchAtRenewal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := outboxWorld(t, st)
		sub := w.subscribed(t)
		yearly := w.plan(t, "smart-essential")

		if err := w.svc.SwitchAtRenewal(ctx, w.reader, "super-saver"); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SwitchAtRenewal(ctx, w.reader, "smart-quarterly"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.SubscriptionByID(ctx, sub.ID); got.NextPlanID != 0 {
			t.Fatalf("after choosing the current plan again the switch is still set to plan %d", got.NextPlanID)
		}
		if err := w.svc.SwitchAtRenewal(ctx, w.reader, "smart-essential"); err != nil {
			t.Fatal(err)
		}
		if amount, _, err := w.svc.NextCharge(ctx, mustSub(t, st, sub.ID)); err != nil || amount != yearly.Price {
			t.Fatalf("next charge %s (%v), want the new plan's %s", amount, err, yearly.Price)
		}
		renewed := w.renewNow(t, sub)
		if renewed.PlanID != yearly.ID || renewed.NextPlanID != 0 || renewed.TermsPaid != 2 {
			t.Fatalf("after the renewal: plan %d, next plan %d, %d terms; want plan %d, no switch pending, 2 terms",
				renewed.PlanID, renewed.NextPlanID, renewed.TermsPaid, yearly.ID)
		}
		ist := w.svc.Location()
		if want := billing.AddMonths(sub.PaidUntil, 12, ist); !renewed.PaidUntil.Equal(want) {
			t.Errorf("paid until %s, want 12 months after the quarter, %s", renewed.PaidUntil, want)
		}
		if notices := outboxWith(t, st, "renews on"); len(notices) != 1 || !strings.Contains(notices[0].Body, yearly.Name) || !strings.Contains(notices[0].Body, yearly.Price.String()) {
			t.Errorf("notices %+v, want one naming %s at %s", notices, yearly.Name, yearly.Price)
		}
		third := w.renewNow(t, renewed)
		if want := billing.AddMonths(sub.PaidUntil, 24, ist); !third.PaidUntil.Equal(want) || third.TermsPaid != 3 {
			t.Errorf("after the next renewal paid until %s with %d terms, want %s and 3", third.PaidUntil, third.TermsPaid, want)
		}
		if charges, _ := w.assertEveryChargeAccounted(t); charges != 3 {
			t.Errorf("%d charges, want the checkout and two renewals", charges)
		}
		terms, err := st.Terms(ctx, sub.ID)
		if err != nil || len(terms) != 3 || terms[1].Amount != yearly.Price || terms[1].PlanID != yearly.ID {
			t.Fatalf("terms %+v (%v), want the second on %s at %s", terms, err, yearly.Name, yearly.Price)
		}
		assertTermsContiguous(t, terms)
	})
}

// A switch chosen after the next renewal's notice went out does not change
// the charge the notice announced: that renewal renews the old plan, and
// the switch takes effect at the renewal after it.
func TestSwitchAfterTheNoticeWaitsForTheNextRenewal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		quarterly, yearly := w.plan(t, "smart-quarterly"), w.plan(t, "smart-essential")
		w.noticed(t, sub)
		if err := w.svc.SwitchAtRenewal(ctx, w.reader, "smart-essential"); err != nil {
			t.Fatal(err)
		}
		w.clk.Set(*mustSub(t, st, sub.ID).NextAttemptAt)
		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		second := mustSub(t, st, sub.ID)
		if second.PlanID != quarterly.ID || second.NextPlanID != yearly.ID {
			t.Fatalf("after the announced renewal: plan %d, next %d; want still %d, switching to %d", second.PlanID, second.NextPlanID, quarterly.ID, yearly.ID)
		}
		third := w.renewNow(t, second)
		if third.PlanID != yearly.ID || third.NextPlanID != 0 {
			t.Fatalf("a renewal later: plan %d, next %d; want %d, none", third.PlanID, third.NextPlanID, yearly.ID)
		}
		terms, _ := st.Terms(ctx, sub.ID)
		if len(terms) != 3 || terms[1].Amount != quarterly.Price || terms[2].Amount != yearly.Price {
			t.Fatalf("terms %+v, want the quarter renewed at %s, then the year at %s", terms, quarterly.Price, yearly.Price)
		}
		assertTermsContiguous(t, terms)
		w.assertEveryChargeAccounted(t)
	})
}

// An upgrade now: the reader is quoted the new price less the unused days
// of the current term, and confirming charges exactly that once, even
// from two tabs at once; the current term ends now and the new plan's
// term starts, with its invoice. A quote that no longer holds, or a
// decline, charges or changes nothing.
func TestUpgradeNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		yearly := w.plan(t, "smart-essential")
		w.clk.Advance(30*24*time.Hour + time.Hour)

		opt := upgradeOption(t, w, sub, "smart-essential")
		terms, _ := st.Terms(ctx, sub.ID)
		days := int64((terms[0].EndsAt.Sub(terms[0].StartsAt) + 12*time.Hour) / (24 * time.Hour))
		unused := int64(terms[0].EndsAt.Sub(w.clk.Now()) / (24 * time.Hour))
		if want := money.Paise(int64(terms[0].Amount) * unused / days); opt.Credit != want || opt.Amount != yearly.Price-want {
			t.Fatalf("quote: credit %s, amount %s; want %s for %d of %d days, and %s", opt.Credit, opt.Amount, want, unused, days, yearly.Price-want)
		}

		if err := w.svc.Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "smart-essential", Amount: opt.Amount + 1, FormKey: billing.NewFormKey()}); !errors.Is(err, billing.ErrSwitchAmountChanged) {
			t.Fatalf("upgrade at another amount: %v, want ErrSwitchAmountChanged", err)
		}
		declining := w.through(declineAll{w.gateway})
		var decline *billing.DeclineError
		if err := declining.Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "smart-essential", Amount: opt.Amount, FormKey: billing.NewFormKey()}); !errors.As(err, &decline) {
			t.Fatalf("declined upgrade: %v, want a DeclineError", err)
		}
		if got := mustSub(t, st, sub.ID); got.PlanID != sub.PlanID || got.TermsPaid != 1 {
			t.Fatalf("after a refused and a declined upgrade: plan %d, %d terms; want unchanged", got.PlanID, got.TermsPaid)
		}

		form := billing.NewFormKey()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.svc.Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "smart-essential", Amount: opt.Amount, FormKey: form})
			}()
		}
		wg.Wait()
		succeeded := 0
		for _, err := range errs {
			if err == nil {
				succeeded++
			} else if !errors.Is(err, billing.ErrPaymentInProgress) && !errors.Is(err, billing.ErrSubscriptionChanged) {
				t.Errorf("the same form from a second tab: %v", err)
			}
		}
		if succeeded == 0 {
			t.Fatalf("neither tab upgraded: %v", errs)
		}
		if err := w.svc.Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "smart-essential", Amount: opt.Amount, FormKey: form}); err != nil {
			t.Errorf("the form sent again after it went through: %v, want the same success", err)
		}
		got := mustSub(t, st, sub.ID)
		now := w.clk.Now()
		if got.PlanID != yearly.ID || got.TermsPaid != 2 || !got.PaidUntil.Equal(billing.AddMonths(now, 12, w.svc.Location())) {
			t.Fatalf("after the upgrade: plan %d, %d terms, paid until %s; want plan %d, 2 terms, a year from now", got.PlanID, got.TermsPaid, got.PaidUntil, yearly.ID)
		}
		terms, _ = st.Terms(ctx, sub.ID)
		if len(terms) != 2 || !terms[0].EndsAt.Equal(now) || terms[1].Amount != opt.Amount || terms[1].Credit != opt.Credit {
			t.Fatalf("terms %+v, want the quarter cut short now and a year charged %s with %s credit", terms, opt.Amount, opt.Credit)
		}
		assertTermsContiguous(t, terms)
		if charges, _ := w.assertEveryChargeAccounted(t); charges != 2 {
			t.Errorf("%d charges went through at the gateway, want the checkout and one upgrade", charges)
		}
		if inv := invoicesOf(t, w.svc, w.reader); len(inv) != 2 || inv[0].Total+inv[1].Total != sub0Price(t, w)+opt.Amount {
			t.Errorf("invoices %+v, want the checkout's and the upgrade's", inv)
		}

		// The renewal after the upgrade renews the new plan, counted from it.
		third := w.renewNow(t, got)
		if third.TermsPaid != 3 || !third.PaidUntil.Equal(billing.AddMonths(now, 24, w.svc.Location())) {
			t.Errorf("renewed after the upgrade: %d terms until %s, want 3 until two years from the upgrade", third.TermsPaid, third.PaidUntil)
		}
	})
}

// An upgrade whose process died after the gateway took the money is
// finished by recovery: one charge, the new plan, nothing refunded.
func TestUpgradeChargedThenCrashedIsRecovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		opt := upgradeOption(t, w, sub, "super-saver")
		err := w.through(crashAfterCharge{w.gateway}).Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "super-saver", Amount: opt.Amount, FormKey: billing.NewFormKey()})
		if !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("upgrade through a crash: %v, want ErrPaymentInProgress", err)
		}
		if err := w.svc.Upgrade(ctx, billing.UpgradeRequest{AccountID: w.reader, PlanCode: "smart-essential", Amount: upgradeOption(t, w, sub, "smart-essential").Amount, FormKey: billing.NewFormKey()}); !errors.Is(err, billing.ErrSubscriptionChanged) {
			t.Fatalf("a second upgrade while the first is pending: %v, want ErrSubscriptionChanged", err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter + time.Minute)
		if n := w.recoverAll(t); n != 1 {
			t.Fatalf("recovery found %d stale payments, want the upgrade", n)
		}
		if got := mustSub(t, st, sub.ID); got.PlanID != w.plan(t, "super-saver").ID || got.TermsPaid != 2 {
			t.Fatalf("after recovery: plan %d, %d terms; want the upgrade applied", got.PlanID, got.TermsPaid)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 2 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want the checkout and the upgrade, none refunded", charges, refunded)
		}
	})
}

func upgradeOption(t *testing.T, w *checkoutWorld, sub *billing.Subscription, code string) billing.SwitchOption {
	t.Helper()
	opts, err := w.svc.SwitchOptions(context.Background(), mustSub(t, w.st, sub.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if o.Plan.Code == code {
			if !o.Upgrade {
				t.Fatalf("%s offers no upgrade: %+v", code, o)
			}
			return o
		}
	}
	t.Fatalf("no option to switch to %s among %+v", code, opts)
	return billing.SwitchOption{}
}

func sub0Price(t *testing.T, w *checkoutWorld) money.Paise {
	return w.plan(t, "smart-quarterly").Price
}

func mustSub(t *testing.T, st *store.Store, id int64) *billing.Subscription {
	t.Helper()
	sub, err := st.SubscriptionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// assertTermsContiguous checks that each term starts where the one before
// ended: no overlap, no gap.
func assertTermsContiguous(t *testing.T, terms []billing.Term) {
	t.Helper()
	for i := 1; i < len(terms); i++ {
		if !terms[i].StartsAt.Equal(terms[i-1].EndsAt) {
			t.Errorf("term %d starts %s, the one before ends %s", terms[i].Seq, terms[i].StartsAt, terms[i-1].EndsAt)
		}
	}
}
