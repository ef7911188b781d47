package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// reconcile runs one reconciliation over the periodic task's window and
// fails the test on an error.
func (w *checkoutWorld) reconcile(t *testing.T, svc *billing.Service) billing.ReconcileSummary {
	t.Helper()
	sum, err := svc.ReconcileRecent(context.Background())
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return sum
}

// openReports lists the open reports by kind.
func openReports(t *testing.T, svc *billing.Service) map[string][]*billing.Report {
	t.Helper()
	list, err := svc.OpenReports(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*billing.Report{}
	for _, r := range list {
		out[r.Kind] = append(out[r.Kind], r)
	}
	return out
}

// A checkout the gateway charged, whose process died before recording it
// (and whose reader never came back, and whose recovery job was lost), is
// repaired by reconciliation: one subscription, one charge, and nothing
// more on the next run. While the request that began it may still be
// settling it, reconciliation leaves it be.
func TestReconcileRepairsAChargeThatWasNeverRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v, want ErrPaymentInProgress", err)
		}
		if sum := w.reconcile(t, w.svc); sum.Repaired != 0 || sum.Checked != 1 {
			t.Fatalf("reconciling at once: %+v, want the payment checked and left to its request", sum)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if sum := w.reconcile(t, w.svc); sum.Repaired != 1 || sum.Reported != 0 {
			t.Fatalf("reconciling: %+v, want one repair and no report", sum)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("after reconciling: %d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
		if sum := w.reconcile(t, w.svc); sum.Repaired != 0 || sum.Reported != 0 {
			t.Errorf("reconciling again: %+v, want nothing to do", sum)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 1 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want the one that bought the term", charges, refunded)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("reports %v, want none", reports)
		}
	})
}

// A checkout released as never charged (its charge was lost on the way,
// and its page closed) whose charge reached the gateway after all is
// refunded by reconciliation, once however often it runs.
func TestReconcileRefundsAChargeOnAReleasedCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(lostBeforeCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout with a lost charge: %v, want ErrPaymentInProgress", err)
		}
		w.clk.Advance(billing.CheckoutPageLifetime + billing.CheckoutRecoveryAfter)
		if n := w.recover(t); n != 1 {
			t.Fatalf("recovery found %d stale checkouts, want 1", n)
		}
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		if p, err := st.PaymentByKey(ctx, key); err != nil || p.Status != billing.PaymentFailed {
			t.Fatalf("payment %+v (%v), want released", p, err)
		}
		// The lost charge lands at the gateway; nobody here hears of it.
		if res, err := w.gateway.Charge(ctx, billing.Charge{IdempotencyKey: key, Token: goodToken(t), Amount: 90000}); err != nil || !res.Succeeded {
			t.Fatalf("the late charge: %+v, %v", res, err)
		}
		for run := range 2 {
			if sum := w.reconcile(t, w.svc); sum.Reported != 0 || sum.Repaired != 1-run {
				t.Errorf("run %d: %+v, want %d repairs and no report", run+1, sum, 1-run)
			}
		}
		if refunds, err := st.CountTestRefunds(ctx, w.reader); err != nil || refunds != 1 {
			t.Fatalf("%d refunds at the gateway (%v), want 1", refunds, err)
		}
		if p, err := st.PaymentByKey(ctx, key); err != nil || p.Status != billing.PaymentRefunded || p.RefundRef == "" {
			t.Fatalf("payment %+v (%v), want refunded", p, err)
		}
		if _, succeeded, live := w.counts(t); succeeded != 0 || live != 0 {
			t.Errorf("%d succeeded payments, %d subscriptions; want none", succeeded, live)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("reports %v, want none", reports)
		}
		// A provider whose records lost the refund is reported.
		if sum := w.reconcile(t, w.through(listing{w.gateway, hidesRefunds, nil})); sum.Reported != 1 {
			t.Errorf("a provider without the refund: %+v, want one report", sum)
		}
		if got := openReports(t, w.svc)[billing.ReportMissingRefund]; len(got) != 1 || got[0].PaymentKey != key {
			t.Errorf("missing refund reports %v, want one for %s", got, key)
		}
	})
}

// goodToken is a saved test card that charges.
func goodToken(t *testing.T) string {
	t.Helper()
	m, err := (&billing.TestGateway{Now: time.Now}).SaveCard(context.Background(), goodCard)
	if err != nil {
		t.Fatal(err)
	}
	return m.Token
}

// A renewal the gateway charged whose process died is extended by
// reconciliation; a renewal released as never charged (the reader turned
// auto-renewal off meanwhile) whose charge landed after all gives the
// reader the term it paid for. Each charge buys one term.
func TestReconcileSettlesRenewals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead + time.Minute))
		if err := w.through(crashAfterCharge{w.gateway}).Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v, want the simulated crash", err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if sum := w.reconcile(t, w.svc); sum.Repaired != 1 {
			t.Fatalf("reconciling the crashed renewal: %+v, want one repair", sum)
		}
		if terms, err := st.Terms(ctx, sub.ID); err != nil || len(terms) != 2 {
			t.Fatalf("%d terms (%v), want 2", len(terms), err)
		}

		// The next renewal's charge is lost on the way; the reader turns
		// auto-renewal off, and recovery releases the payment.
		renewed, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, renewed)
		w.clk.Set(renewed.PaidUntil.Add(-billing.RenewalLead + time.Minute))
		if err := w.through(lostBeforeCharge{w.gateway}).Renew(ctx, sub.ID); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("renewal with a lost charge: %v", err)
		}
		if err := w.svc.Cancel(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		w.recoverAll(t)
		key := billing.RenewalKey(renewed)
		p, err := st.PaymentByKey(ctx, key)
		if err != nil || p.Status != billing.PaymentFailed {
			t.Fatalf("renewal payment %+v (%v), want released", p, err)
		}
		method, err := st.PaymentMethodByID(ctx, renewed.PaymentMethodID)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := w.gateway.Charge(ctx, billing.Charge{IdempotencyKey: key, Token: method.Token, Amount: p.Amount}); err != nil || !res.Succeeded {
			t.Fatalf("the late charge: %+v, %v", res, err)
		}
		for range 2 {
			w.reconcile(t, w.svc)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 3 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want 3 that each bought a term", charges, refunded)
		}
		got, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil || got.TermsPaid != 3 || got.AutoRenew {
			t.Errorf("subscription %+v (%v), want 3 terms paid and auto-renewal still off", got, err)
		}
	})
}

// A charge under a key no payment of ours has, and one that took another
// amount than its payment was for, are reported once each, however often
// reconciliation runs; a report an admin resolved is not filed again.
func TestReconcileReportsUnknownKeysAndAmountsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		stray := billing.Charge{IdempotencyKey: "checkout:999999:not-ours", Token: goodToken(t), Amount: 49900}
		if _, err := w.gateway.Charge(ctx, stray); err != nil {
			t.Fatal(err)
		}
		// The reader pays 1 rupee more on the provider's page than the
		// payment is for.
		page, err := w.svc.StartCheckout(ctx, billing.CheckoutStart{AccountID: w.reader, PlanCode: "smart-quarterly", FormKey: "form-1"})
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		p, err := st.PaymentByKey(ctx, key)
		if err != nil || page == nil {
			t.Fatal(err)
		}
		if _, err := w.gateway.Charge(ctx, billing.Charge{IdempotencyKey: key, Token: goodToken(t), Amount: p.Amount + 100}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.CompleteCheckout(ctx, key); err != nil {
			t.Fatal(err)
		}

		for run := range 2 {
			sum := w.reconcile(t, w.svc)
			if want := 2 * (1 - run); sum.Reported != want || sum.Checked != 2 {
				t.Errorf("run %d: %+v, want 2 keys checked and %d reports filed", run+1, sum, want)
			}
			w.clk.Advance(time.Hour)
		}
		reports := openReports(t, w.svc)
		unknown, mismatch := reports[billing.ReportUnknownPayment], reports[billing.ReportAmountMismatch]
		if len(reports) != 2 || len(unknown) != 1 || len(mismatch) != 1 {
			t.Fatalf("open reports %v, want one unknown payment and one amount mismatch", reports)
		}
		if r := unknown[0]; r.PaymentKey != stray.IdempotencyKey || r.ProviderRef == "" || r.Detail == "" {
			t.Errorf("unknown payment report %+v", r)
		}
		if r := mismatch[0]; r.PaymentKey != key || r.Detail != "The test gateway took ₹901; our payment is for ₹900." {
			t.Errorf("amount mismatch report %+v", r)
		}

		if err := w.svc.ResolveReport(ctx, unknown[0].ID, w.reader); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.ResolveReport(ctx, unknown[0].ID, w.reader); err != nil {
			t.Errorf("resolving it again: %v, want no error", err)
		}
		if err := w.svc.ResolveReport(ctx, 987654, w.reader); !errors.Is(err, billing.ErrUnknownReport) {
			t.Errorf("resolving no report: %v, want ErrUnknownReport", err)
		}
		if sum := w.reconcile(t, w.svc); sum.Reported != 0 {
			t.Errorf("after resolving: %+v, want nothing filed again", sum)
		}
		if reports := openReports(t, w.svc); len(reports) != 1 || len(reports[billing.ReportAmountMismatch]) != 1 {
			t.Errorf("open reports %v, want the amount mismatch alone", reports)
		}
	})
}

// A payment of ours the provider has no record of, or says failed, or
// refunded without our knowing, is reported, and left as it is.
func TestReconcileReportsWhatTheProviderDoesNotHave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newCheckoutWorld(t, st)
		w.subscribed(t)
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		// A provider whose records lost the charge, then one that gave the
		// money back from its dashboard.
		forgetful := w.through(listing{w.gateway, func(pp []billing.ProviderPayment) []billing.ProviderPayment { return nil }, forgets})
		if sum := w.reconcile(t, forgetful); sum.Reported != 1 {
			t.Errorf("a provider without the charge: %+v, want one report", sum)
		}
		refunded := w.through(listing{w.gateway, func(pp []billing.ProviderPayment) []billing.ProviderPayment {
			for i := range pp {
				pp[i].Refunded = pp[i].Amount
			}
			return pp
		}, nil})
		if sum := w.reconcile(t, refunded); sum.Reported != 1 {
			t.Errorf("a refund at the provider: %+v, want one report", sum)
		}
		// A list read while the reader's second card went through shows
		// the first card's decline alone: asked by key, the provider has
		// the payment, and nothing is reported.
		if sum := w.reconcile(t, w.through(listing{w.gateway, failsAll, nil})); sum.Reported != 0 {
			t.Errorf("a list behind the provider: %+v, want no report", sum)
		}
		failed := w.through(listing{w.gateway, failsAll, declines})
		if sum := w.reconcile(t, failed); sum.Reported != 1 {
			t.Errorf("a provider that says the charge failed: %+v, want one report", sum)
		}
		reports := openReports(t, w.svc)
		for _, kind := range []string{billing.ReportMissingAtProvider, billing.ReportUnrecordedRefund, billing.ReportFailedAtProvider} {
			if got := reports[kind]; len(got) != 1 || got[0].PaymentKey != key {
				t.Errorf("%s reports: %v, want one for %s", kind, got, key)
			}
		}
		if _, succeeded, live := w.counts(t); succeeded != 1 || live != 1 {
			t.Errorf("reports changed the payment: %d succeeded, %d subscriptions", succeeded, live)
		}
	})
}

// listing is a gateway whose list of payments is edited, as a provider's
// records that differ from ours; answer, when set, edits its answer to a
// lookup by key likewise.
type listing struct {
	billing.Gateway
	edit   func([]billing.ProviderPayment) []billing.ProviderPayment
	answer func(res billing.ChargeResult, found bool) (billing.ChargeResult, bool)
}

func (g listing) Payments(ctx context.Context, since time.Time) ([]billing.ProviderPayment, error) {
	pp, err := g.Gateway.Payments(ctx, since)
	return g.edit(pp), err
}

func (g listing) Lookup(ctx context.Context, key, ref string) (billing.ChargeResult, bool, error) {
	res, found, err := g.Gateway.Lookup(ctx, key, ref)
	if g.answer != nil && err == nil {
		res, found = g.answer(res, found)
	}
	return res, found, err
}

// forgets knows of no charge; declines says each one was declined.
func forgets(billing.ChargeResult, bool) (billing.ChargeResult, bool) {
	return billing.ChargeResult{}, false
}

func declines(res billing.ChargeResult, found bool) (billing.ChargeResult, bool) {
	return billing.ChargeResult{Reference: res.Reference, Failure: "Your card was declined."}, found
}

// failsAll lists every payment as failed.
func failsAll(pp []billing.ProviderPayment) []billing.ProviderPayment {
	for i := range pp {
		pp[i].Status = billing.ProviderFailed
	}
	return pp
}

// hidesRefunds lists every payment as if nothing had been given back.
func hidesRefunds(pp []billing.ProviderPayment) []billing.ProviderPayment {
	for i := range pp {
		pp[i].Refunded = 0
	}
	return pp
}

// A provider that cannot be reached changes nothing and files nothing;
// one that answers the list but not the lookup that settles a payment
// leaves it for the next run, without a report.
func TestReconcileWithAnUnreachableProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v", err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if _, err := w.through(unreachable{w.gateway, true}).ReconcileRecent(ctx); err == nil {
			t.Error("reconciling with a provider that does not list: no error")
		}
		if _, err := w.through(unreachable{w.gateway, false}).ReconcileRecent(ctx); err == nil {
			t.Error("reconciling with a provider that does not look up: no error")
		}
		if _, succeeded, live := w.counts(t); succeeded != 0 || live != 0 {
			t.Fatalf("%d succeeded payments, %d subscriptions; want none yet", succeeded, live)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("reports %v, want none", reports)
		}
		if sum := w.reconcile(t, w.svc); sum.Repaired != 1 {
			t.Errorf("the next run: %+v, want the repair", sum)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Errorf("%d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
	})
}

var errUnreachable = errors.New("the provider did not answer")

// unreachable is a provider that fails to list (list) or to look up.
type unreachable struct {
	billing.Gateway
	list bool
}

func (g unreachable) Payments(ctx context.Context, since time.Time) ([]billing.ProviderPayment, error) {
	if g.list {
		return nil, errUnreachable
	}
	return g.Gateway.Payments(ctx, since)
}

func (g unreachable) Lookup(context.Context, string, string) (billing.ChargeResult, bool, error) {
	return billing.ChargeResult{}, false, errUnreachable
}

// Instances reconciling at once repair a payment once and file a report
// once.
func TestReconcileOnSeveralInstancesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(crashAfterCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v", err)
		}
		if _, err := w.gateway.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:424242:2:1", Token: goodToken(t), Amount: 49900}); err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		var wg sync.WaitGroup
		sums := make([]billing.ReconcileSummary, 4)
		errs := make([]error, 4)
		for i := range sums {
			wg.Go(func() { sums[i], errs[i] = w.through(w.gateway).ReconcileRecent(ctx) })
		}
		wg.Wait()
		repaired, reported := 0, 0
		for i := range sums {
			if errs[i] != nil {
				t.Errorf("instance %d: %v", i, errs[i])
			}
			repaired += sums[i].Repaired
			reported += sums[i].Reported
		}
		if repaired < 1 || reported != 1 {
			t.Errorf("%d repairs and %d reports in all, want at least one repair and one report", repaired, reported)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Errorf("%d charges, %d succeeded payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
		if charges, refunded := w.assertEveryChargeAccounted(t); charges != 1 || refunded != 0 {
			t.Errorf("%d charges, %d refunded; want one that bought its term", charges, refunded)
		}
		if reports := openReports(t, w.svc); len(reports[billing.ReportUnknownPayment]) != 1 {
			t.Errorf("reports %v, want one unknown payment", reports)
		}
	})
}

// A refund made while reconciliation reads the provider's list (the
// reader came back from a page paid after its checkout was released) is
// not on the list it read, and is not reported missing.
func TestReconcileDoesNotReportARefundMadeWhileItRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		if _, err := w.through(lostBeforeCharge{w.gateway}).Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout with a lost charge: %v", err)
		}
		w.clk.Advance(billing.CheckoutPageLifetime + billing.CheckoutRecoveryAfter)
		w.recover(t)
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		if _, err := w.gateway.Charge(ctx, billing.Charge{IdempotencyKey: key, Token: goodToken(t), Amount: 90000}); err != nil {
			t.Fatal(err)
		}
		meanwhile := listing{w.gateway, func(pp []billing.ProviderPayment) []billing.ProviderPayment {
			if _, _, err := w.svc.CompleteCheckout(ctx, key); err == nil {
				t.Error("the reader's return started a subscription from a released checkout")
			}
			return pp
		}, nil}
		if sum := w.reconcile(t, w.through(meanwhile)); sum.Reported != 0 {
			t.Errorf("%+v, want no report", sum)
		}
		if refunds, err := st.CountTestRefunds(ctx, w.reader); err != nil || refunds != 1 {
			t.Errorf("%d refunds (%v), want 1", refunds, err)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("reports %v, want none", reports)
		}
	})
}
