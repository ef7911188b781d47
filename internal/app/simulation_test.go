package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/refunds"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// simReader is one simulated reader: their account and whether their card
// declines charges now.
type simReader struct {
	id      int64
	failing bool
}

// Two years of a publication's billing, a day at a time, with the test
// clock and the jobs as the server runs them: 1,000 readers subscribe to
// random plans over the first months, some cancel and some resume, cards
// start declining and are replaced before or after their retries run out,
// admins refund part of a payment, readers switch plans at their next
// renewal or at once, and readers whose subscription ended come back.
// Afterwards the ledger
// must hold: every term paid exactly once and by a payment of its amount,
// a subscription's terms back to back with no gap or overlap, its paid-up
// date the end of its last term, the gateway's charges minus refunds equal
// to what the terms record less admins' refunds, every successful payment
// invoiced, invoice numbers without a gap in each financial year (credit
// notes too), nothing left pending, and no difference with the provider
// left for an admin.
func TestTwoYearsOfBilling(t *testing.T) {
	readers := 1000
	if testing.Short() {
		readers = 100
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site := apptest.NewSiteOn(t, storetest.URL(t, engine), true)
			simulate(t, site, rand.New(rand.NewPCG(seed, 1)), readers, 730)
			auditLedger(t, site)
		})
	}
}

var simPlans = []string{"smart-quarterly", "smart-essential", "super-saver"}

func simulate(t *testing.T, site *apptest.Site, rng *rand.Rand, total, days int) {
	t.Helper()
	ctx := context.Background()
	b := site.App.Billing
	gateway := b.Gateway.(*billing.TestGateway)
	setCard := func(r *simReader, number string) {
		sub, err := b.Current(ctx, r.id)
		if err != nil || sub == nil {
			return
		}
		m, err := gateway.SaveCard(ctx, billing.Card{Number: number, ExpMonth: "12", ExpYear: "2040", CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		m.AccountID, m.CreatedAt = r.id, site.Clock.Now()
		if m.ID, err = site.App.Store.CreatePaymentMethod(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := site.App.Store.SetSubscriptionPaymentMethod(ctx, sub.ID, m.ID, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		r.failing = number != billing.CardSucceeds
	}
	subscribe := func(r *simReader, form int) {
		number := billing.CardSucceeds
		if rng.IntN(20) == 0 {
			number = billing.CardDeclined // turned away at checkout
		}
		c := billing.Card{Number: number, ExpMonth: "12", ExpYear: "2040", CVC: "123"}
		_, err := b.Checkout(ctx, r.id, simPlans[rng.IntN(len(simPlans))], c, fmt.Sprintf("sim-%d-%d", r.id, form))
		var decline *billing.DeclineError
		if err != nil && !errors.As(err, &decline) && !errors.Is(err, billing.ErrAlreadySubscribed) {
			t.Fatalf("checkout of reader %d: %v", r.id, err)
		}
		r.failing = false
	}

	admin := rnDemoAccountID(t, site, "admin")
	// refund gives a reader back ₹100 of their newest payment, as an admin
	// does at /admin/payments.
	refund := func(r *simReader) {
		account, err := site.App.Store.AccountByID(ctx, r.id)
		if err != nil {
			t.Fatal(err)
		}
		state, err := site.App.Refunds.Reader(ctx, account.Email)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range state.Payments {
			if p.Refundable && p.Left >= 10000 {
				if _, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: p.Payment.ID,
					Key: billing.NewFormKey(), Amount: "100", Reason: "goodwill"}); err != nil {
					t.Fatalf("refund of payment %d: %v", p.Payment.ID, err)
				}
				return
			}
		}
	}
	// Plan switches, as readers make them at /account: at the next
	// renewal, or now for the amount the page quotes.
	switchAtRenewal := func(r *simReader) {
		err := b.SwitchAtRenewal(ctx, r.id, simPlans[rng.IntN(len(simPlans))])
		if err != nil && !errors.Is(err, billing.ErrNoSubscription) && !errors.Is(err, billing.ErrSwitchUnavailable) &&
			!errors.Is(err, billing.ErrSubscriptionChanged) {
			t.Fatalf("switch at renewal of reader %d: %v", r.id, err)
		}
	}
	upgrades := 0
	upgrade := func(r *simReader) {
		sub, err := b.Current(ctx, r.id)
		if err != nil || sub == nil {
			return
		}
		opts, err := b.SwitchOptions(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts) == 0 || !opts[0].Upgrade {
			return
		}
		o := opts[rng.IntN(len(opts))]
		err = b.Upgrade(ctx, billing.UpgradeRequest{AccountID: r.id, PlanCode: o.Plan.Code, Amount: o.Amount, FormKey: billing.NewFormKey()})
		var decline *billing.DeclineError
		switch {
		case err == nil:
			upgrades++
		case errors.As(err, &decline), errors.Is(err, billing.ErrUpgradeNotPossible), errors.Is(err, billing.ErrSubscriptionChanged):
		default:
			t.Fatalf("upgrade of reader %d to %s: %v", r.id, o.Plan.Code, err)
		}
	}
	var all []*simReader
	joinDays := days / 4
	for day := range days {
		// Readers join over the first quarter of the run.
		if day < joinDays {
			for n := total * (day + 1) / joinDays; len(all) < n; {
				a, err := site.App.Accounts.Register(ctx, fmt.Sprintf("sim%d@example.com", len(all)), "simulated-password", "")
				if err != nil {
					t.Fatal(err)
				}
				r := &simReader{id: a.ID}
				all = append(all, r)
				subscribe(r, day)
			}
		}
		for _, r := range all {
			switch x := rng.IntN(1000); {
			case x < 3:
				b.Cancel(ctx, r.id) // may have no subscription: nothing to do
			case x < 5:
				b.Resume(ctx, r.id)
			case x < 8 && !r.failing:
				setCard(r, billing.CardDeclinesLater)
			case x < 200 && r.failing:
				setCard(r, billing.CardSucceeds) // the reader updates their card
			case x >= 200 && x < 202:
				refund(r)
			case x < 210:
				if sub, err := b.Current(ctx, r.id); err == nil && (sub == nil || !billing.Entitled(sub, site.Clock.Now())) {
					subscribe(r, day) // back after their subscription ended
				}
			case x < 213:
				switchAtRenewal(r)
			case x < 215:
				upgrade(r)
			}
		}
		site.Clock.Advance(24 * time.Hour)
		site.RunJobs()
	}
	// Let every payment in flight settle.
	site.Clock.Advance(billing.CheckoutPageLifetime + billing.CheckoutRecoveryAfter)
	site.RunJobs()
	site.RunJobs()
	t.Logf("%d plans switched at once", upgrades)
	if upgrades == 0 {
		t.Error("no reader switched plans at once in two years")
	}
}

func auditLedger(t *testing.T, site *apptest.Site) {
	t.Helper()
	ctx := context.Background()
	st := site.App.Store
	terms, err := st.LedgerTerms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var termTotal int64
	payments := map[int64]int{}
	bySub := map[int64][]store.LedgerTerm{}
	for _, term := range terms {
		termTotal += term.Amount
		bySub[term.SubscriptionID] = append(bySub[term.SubscriptionID], term)
		if term.PaymentID == 0 || term.PaymentStatus != billing.PaymentSucceeded || term.PaymentAmount != term.Amount {
			t.Errorf("subscription %d term %d: paid by payment %d (%s, %d paise) for %d paise",
				term.SubscriptionID, term.Seq, term.PaymentID, term.PaymentStatus, term.PaymentAmount, term.Amount)
		}
		if payments[term.PaymentID]++; payments[term.PaymentID] > 1 {
			t.Errorf("payment %d paid for more than one term", term.PaymentID)
		}
	}
	renewed := 0
	for id, ts := range bySub {
		for i, term := range ts {
			if term.Seq != i+1 {
				t.Errorf("subscription %d: term %d where %d was due", id, term.Seq, i+1)
			}
			if i > 0 && !term.StartsAt.Equal(ts[i-1].EndsAt) {
				t.Errorf("subscription %d: term %d starts %s, the one before ends %s", id, term.Seq, term.StartsAt, ts[i-1].EndsAt)
			}
		}
		renewed += len(ts) - 1
		sub, err := st.SubscriptionByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if last := ts[len(ts)-1]; !sub.PaidUntil.Equal(last.EndsAt) || sub.TermsPaid != len(ts) {
			t.Errorf("subscription %d: paid until %s with %d terms; its last term ends %s and it has %d",
				id, sub.PaidUntil, sub.TermsPaid, last.EndsAt, len(ts))
		}
	}
	charged, refunded, err := st.TestGatewayTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byAdmins, err := st.AdminRefundTotal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if charged-refunded != termTotal-byAdmins {
		t.Errorf("the gateway kept %d paise (%d charged, %d refunded); the terms record %d, less %d refunded by admins",
			charged-refunded, charged, refunded, termTotal, byAdmins)
	}
	uninvoiced, stray, err := st.CountInvoiceMismatches(ctx)
	if err != nil || uninvoiced != 0 || stray != 0 {
		t.Errorf("%d successful payments without an invoice, %d invoices of payments that did not succeed (%v)", uninvoiced, stray, err)
	}
	seqs, err := st.InvoiceSeqs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for year, numbers := range seqs {
		for i, n := range numbers {
			if n != int64(i+1) {
				t.Errorf("%s: number %d where %d was due", year, n, i+1)
				break
			}
		}
	}
	// Reconciliation ran hourly alongside: everything it found differs
	// from the provider's record was repaired, so nothing waits for an admin.
	reports, err := site.App.Billing.OpenReports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		t.Errorf("reconciliation report %s for %s: %s", r.Kind, r.PaymentKey, r.Detail)
	}
	pending, err := st.CountAllPendingPayments(ctx)
	if err != nil || pending != 0 {
		t.Errorf("%d payments still pending (%v)", pending, err)
	}
	t.Logf("%d subscriptions, %d terms (%d renewals), %d paise kept by the gateway, %d paise refunded (%d by admins), invoice series %d",
		len(bySub), len(terms), renewed, charged-refunded, refunded, byAdmins, len(seqs))
	if renewed == 0 {
		t.Error("no subscription renewed in two years")
	}
}
