package billing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/mail"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// newUPIWorld is a razorpayWorld whose checkout takes UPI, so that the
// reader's mandate is UPI Autopay, and whose mail goes to the outbox.
func newUPIWorld(t *testing.T, st *store.Store) *razorpayWorld {
	t.Helper()
	w := newRazorpayWorldPaying(t, st, "upi")
	w.svc.Mail = mail.Outbox{Store: st, Now: w.clk.Now}
	w.svc.Publication = func() string { return "The Example Times" }
	return w
}

// subscribeUPI has the reader pay the first term with UPI on Razorpay's
// page, registering a UPI Autopay mandate, and returns the subscription.
func (w *razorpayWorld) subscribeUPI(t *testing.T) *billing.Subscription {
	t.Helper()
	ctx := context.Background()
	page, err := w.startCheckout(t, "form-1")
	if err != nil {
		t.Fatal(err)
	}
	w.openPage(t, page)
	if _, err := w.fake.CompleteCheckout(page.Ref, razorpaytest.VPASucceeds); err != nil {
		t.Fatal(err)
	}
	sub, _, err := w.svc.CompleteCheckout(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader))
	if err != nil {
		t.Fatal(err)
	}
	m, err := w.st.PaymentMethodByID(ctx, sub.PaymentMethodID)
	if err != nil || m.Brand != "UPI" {
		t.Fatalf("saved method %+v (%v), want the UPI mandate", m, err)
	}
	return sub
}

// chargeUPIRenewal sends the renewal's notice and runs the renewal when
// it falls due: Razorpay accepts the charge and will debit it a day
// later. It returns the renewal payment, left pending.
func (w *razorpayWorld) chargeUPIRenewal(t *testing.T, sub *billing.Subscription) *billing.Payment {
	t.Helper()
	ctx := context.Background()
	w.clk.Set(sub.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))
	if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	w.clk.Set(*sub.NextAttemptAt)
	if err := w.svc.Renew(ctx, sub.ID); err != nil {
		t.Fatalf("renewal whose debit Razorpay collects later: %v, want no error", err)
	}
	p := latestPayment(t, w.st, w.reader)
	if p.Purpose != billing.PurposeRenewal || p.Status != billing.PaymentPending {
		t.Fatalf("renewal payment %+v, want it pending", p)
	}
	if n := w.fake.Payments(); n != 2 {
		t.Fatalf("Razorpay has %d payments, want the checkout's and the renewal's", n)
	}
	return p
}

// churn runs, as an impatient scheduler would, the renewal, the recovery
// of stale payments, reconciliation and the due settling jobs, and checks
// that none of it fails.
func (w *razorpayWorld) churn(t *testing.T, sub *billing.Subscription) {
	t.Helper()
	ctx := context.Background()
	if err := w.svc.Renew(ctx, sub.ID); err != nil {
		t.Fatalf("at %s, renewal: %v", w.clk.Now(), err)
	}
	if err := w.svc.EnqueueRenewals(ctx); err != nil {
		t.Fatal(err)
	}
	stale, err := w.svc.StalePayments(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if err := w.svc.RecoverPayment(ctx, p.ID); err != nil {
			t.Fatalf("at %s, recovery of payment %d: %v", w.clk.Now(), p.ID, err)
		}
	}
	if _, err := w.svc.ReconcileRecent(ctx); err != nil {
		t.Fatalf("at %s, reconciliation: %v", w.clk.Now(), err)
	}
	settleJobs(t, w.st, w.svc)
}

func (w *razorpayWorld) sub(t *testing.T, id int64) *billing.Subscription {
	t.Helper()
	sub, err := w.st.SubscriptionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// deliver has Razorpay send its webhook about a payment, and runs the
// settling job it queues.
func (w *razorpayWorld) deliver(t *testing.T, event, paymentID string) {
	t.Helper()
	header, body, err := w.fake.Webhook(event, paymentID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.HandleWebhook(context.Background(), "razorpay", header, body); err != nil {
		t.Fatalf("%s webhook: %v", event, err)
	}
	settleJobs(t, w.st, w.svc)
}

// A reader pays by UPI Autopay. Razorpay takes the renewal a day before
// the term ends and debits it 25 hours later, after its pre-debit
// notification. Meanwhile the term ends, and the reader keeps reading;
// the renewal, recovery and reconciliation run every few minutes and
// neither fail nor charge anything more, nor release the payment. When
// the debit is captured, its webhook settles the renewal, once: one term
// added, access to its end, and nothing more charged however often the
// rest runs after.
func TestUPIRenewalKeepsAccessUntilItsDebitThenSettlesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newUPIWorld(t, st)
		sub := w.subscribeUPI(t)
		paidUntil := sub.PaidUntil
		p := w.chargeUPIRenewal(t, sub)
		charged := w.clk.Now()

		got := w.sub(t, sub.ID)
		if !billing.AccessUntil(got).After(paidUntil.Add(12 * time.Hour)) {
			t.Fatalf("while the debit is awaited, access until %s; want well past the term's end, %s", billing.AccessUntil(got), paidUntil)
		}
		if got.NextAttemptAt == nil || !got.NextAttemptAt.After(charged.Add(razorpaytest.UPIDebitDelay)) {
			t.Fatalf("next attempt %v, want it after the debit is due", got.NextAttemptAt)
		}
		for w.clk.Now().Add(7 * time.Minute).Before(charged.Add(razorpaytest.UPIDebitDelay)) {
			w.clk.Advance(7 * time.Minute)
			w.churn(t, sub)
			if now, got := w.clk.Now(), w.sub(t, sub.ID); !billing.Entitled(got, now) {
				t.Fatalf("at %s (term ended %s), the reader lost access while their debit was on its way: %+v", now, paidUntil, got)
			}
		}
		if latest, _ := st.PaymentByID(ctx, p.ID); latest.Status != billing.PaymentPending {
			t.Fatalf("before the debit, the renewal payment is %s (%s), want pending", latest.Status, latest.Failure)
		}
		if n, captured := w.fake.Payments(), w.fake.CapturedPayments(); n != 2 || captured != 1 {
			t.Fatalf("Razorpay has %d payments, %d captured, before the debit; want 2 and the checkout's alone", n, captured)
		}

		w.clk.Set(charged.Add(razorpaytest.UPIDebitDelay))
		debited := w.fake.CollectDebits()
		if len(debited) != 1 {
			t.Fatalf("debits collected %v, want the renewal's", debited)
		}
		for range 3 { // Razorpay retries its webhooks
			w.deliver(t, "payment.captured", debited[0])
		}
		got = w.sub(t, sub.ID)
		if got.TermsPaid != 2 || !got.PaidUntil.After(paidUntil) || got.GraceUntil != nil || got.Status != billing.Active {
			t.Fatalf("after the debit, subscription %+v; want a second term paid, active, no grace", got)
		}
		for range 60 {
			w.clk.Advance(time.Hour)
			w.churn(t, sub)
		}
		if n, captured := w.fake.Payments(), w.fake.CapturedPayments(); n != 2 || captured != 2 {
			t.Errorf("Razorpay has %d payments, %d captured; want the checkout and one renewal", n, captured)
		}
		if n, _ := st.CountSucceededPayments(ctx, w.reader); n != 2 {
			t.Errorf("%d succeeded payments, want 2", n)
		}
		if terms, _ := st.Terms(ctx, sub.ID); len(terms) != 2 {
			t.Errorf("%d terms, want 2", len(terms))
		}
		if latest, _ := st.PaymentByID(ctx, p.ID); latest.Status != billing.PaymentSucceeded || latest.GatewayRef != debited[0] {
			t.Errorf("renewal payment %+v, want succeeded with the debit's reference", latest)
		}
		if got := w.sub(t, sub.ID); got.TermsPaid != 2 {
			t.Errorf("terms paid %d after the churn, want 2", got.TermsPaid)
		}
		if n := len(outboxWith(t, st, "could not renew")); n != 0 {
			t.Errorf("%d decline emails, want none", n)
		}
	})
}

// The same debit with no webhook at all (lost, or never configured): the
// settling job queued for when the debit is due finds it captured, and
// the renewal is settled once.
func TestUPIRenewalSettledWithoutItsWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newUPIWorld(t, st)
		sub := w.subscribeUPI(t)
		paidUntil := sub.PaidUntil
		p := w.chargeUPIRenewal(t, sub)
		charged := w.clk.Now()
		for w.clk.Now().Before(charged.Add(30 * time.Hour)) {
			w.clk.Advance(20 * time.Minute)
			w.churn(t, sub)
			if now := w.clk.Now(); !billing.Entitled(w.sub(t, sub.ID), now) {
				t.Fatalf("at %s (term ended %s), the reader lost access", now, paidUntil)
			}
		}
		got := w.sub(t, sub.ID)
		if got.TermsPaid != 2 || got.GraceUntil != nil {
			t.Fatalf("a day after the debit, subscription %+v; want the second term paid", got)
		}
		if latest, _ := st.PaymentByID(ctx, p.ID); latest.Status != billing.PaymentSucceeded {
			t.Fatalf("renewal payment %s, want succeeded", latest.Status)
		}
		if n, captured := w.fake.Payments(), w.fake.CapturedPayments(); n != 2 || captured != 2 {
			t.Errorf("Razorpay has %d payments, %d captured; want 2 and 2", n, captured)
		}
		if terms, _ := st.Terms(ctx, sub.ID); len(terms) != 2 {
			t.Errorf("%d terms, want 2", len(terms))
		}
	})
}

// The reader's bank declines the UPI debit when it comes due: the renewal
// is declined as any other, once, with the email about it; the grace
// period runs from the end of the term, as for a card; the reader reads
// on through it, and nothing is charged again before the retry.
func TestUPIDebitDeclinedAfterTheWaitIsPastDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newUPIWorld(t, st)
		sub := w.subscribeUPI(t)
		paidUntil := sub.PaidUntil
		w.fake.FailNextRecurring(1)
		p := w.chargeUPIRenewal(t, sub)
		charged := w.clk.Now()
		if got := w.sub(t, sub.ID); got.Status != billing.Active || !billing.Entitled(got, paidUntil.Add(time.Hour)) {
			t.Fatalf("while the debit is awaited, subscription %+v; want it active and reading past the term's end", got)
		}

		w.clk.Set(charged.Add(razorpaytest.UPIDebitDelay))
		debited := w.fake.CollectDebits()
		if len(debited) != 1 || w.fake.PaymentStatus(debited[0]) != "failed" {
			t.Fatalf("debits %v, want the renewal's, failed", debited)
		}
		for range 2 {
			w.deliver(t, "payment.failed", debited[0])
		}
		got := w.sub(t, sub.ID)
		wantGrace := paidUntil.Add(billing.DefaultSchedule.Grace)
		if got.Status != billing.PastDue || got.RenewalFailures != 1 || got.GraceUntil == nil || !got.GraceUntil.Equal(wantGrace) {
			t.Fatalf("after the declined debit, subscription %+v; want past due with grace to %s", got, wantGrace)
		}
		if latest, _ := st.PaymentByID(ctx, p.ID); latest.Status != billing.PaymentFailed || latest.Failure != razorpaytest.UPIDecline {
			t.Fatalf("renewal payment %s (%q), want failed with the bank's reason", latest.Status, latest.Failure)
		}
		job, _, err := st.JobByKey(ctx, billing.RenewalDeclinedKey(p))
		if err != nil || job.Kind != billing.RenewalDeclinedJob {
			t.Fatalf("decline email's job %+v (%v)", job, err)
		}
		if err := w.svc.SendRenewalDeclined(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxWith(t, st, "could not renew")); n != 1 {
			t.Errorf("%d decline emails, want 1 (job %s)", n, job.UniqueKey)
		}
		retry := *got.NextAttemptAt
		for w.clk.Now().Add(time.Hour).Before(retry) {
			w.clk.Advance(time.Hour)
			w.churn(t, sub)
			if now := w.clk.Now(); !billing.Entitled(w.sub(t, sub.ID), now) {
				t.Fatalf("at %s, within the grace period, the reader lost access", now)
			}
		}
		if n := w.fake.Payments(); n != 2 {
			t.Errorf("Razorpay has %d payments before the retry, want 2", n)
		}
		if n := len(outboxWith(t, st, "could not renew")); n != 1 {
			t.Errorf("%d decline emails after the churn, want 1", n)
		}
	})
}

// debitNeverComes is a provider that accepted a renewal and never debits
// it: every charge and lookup says it is still to come.
type debitNeverComes struct{ billing.Gateway }

var errStillToCome = fmt.Errorf("the bank has not debited it yet: %w", billing.ErrChargePending)

func (debitNeverComes) Charge(context.Context, billing.Charge) (billing.ChargeResult, error) {
	return billing.ChargeResult{}, errStillToCome
}

func (debitNeverComes) Lookup(context.Context, string, string) (billing.ChargeResult, bool, error) {
	return billing.ChargeResult{}, false, errStillToCome
}

// A debit that never comes is waited for quietly through Razorpay's 36
// hours and past them, to the last check three days after the charge:
// the payment is never released or charged again, and the reader reads a
// day past each check. After the last check the renewal and its settling
// fail, loudly, for someone to look at; the payment stays pending, and the
// reader's access ends a day after that check.
func TestADebitThatNeverComesIsWaitedForThenReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		svc := w.through(debitNeverComes{w.gateway})
		charged := sub.PaidUntil.Add(-billing.RenewalLead)
		w.clk.Set(charged)
		if err := svc.Renew(ctx, sub.ID); err != nil {
			t.Fatalf("renewal accepted for a later debit: %v", err)
		}
		p, err := st.PaymentByKey(ctx, billing.RenewalKey(sub))
		if err != nil || p.Status != billing.PaymentPending {
			t.Fatalf("renewal payment %+v (%v), want pending", p, err)
		}
		lastCheck := charged.Add(73 * time.Hour)
		for w.clk.Now().Add(time.Hour).Before(lastCheck) {
			w.clk.Advance(time.Hour)
			if err := svc.Renew(ctx, sub.ID); err != nil {
				t.Fatalf("at %s: renewal %v", w.clk.Now(), err)
			}
			if err := svc.RecoverPayment(ctx, p.ID); err != nil {
				t.Fatalf("at %s: recovery %v", w.clk.Now(), err)
			}
			settleJobs(t, st, svc)
			if now := w.clk.Now(); !billing.Entitled(mustSub(t, st, sub.ID), now) {
				t.Fatalf("at %s (term ended %s), the reader lost access while the debit was awaited", now, sub.PaidUntil)
			}
		}
		w.clk.Set(lastCheck)
		if err := svc.RecoverPayment(ctx, p.ID); err == nil || !errors.Is(err, billing.ErrChargePending) {
			t.Fatalf("after the last check, recovery: %v, want an error naming the pending debit", err)
		}
		if err := svc.Renew(ctx, sub.ID); err == nil {
			t.Fatal("after the last check, the renewal succeeds quietly")
		}
		if latest, _ := st.PaymentByID(ctx, p.ID); latest.Status != billing.PaymentPending {
			t.Fatalf("after the last check, the payment is %s (%s), want still pending", latest.Status, latest.Failure)
		}
		got := mustSub(t, st, sub.ID)
		if !billing.Entitled(got, lastCheck.Add(23*time.Hour)) || billing.Entitled(got, lastCheck.Add(billing.RenewalLead)) {
			t.Errorf("access until %s, want a day past the last check, %s", billing.AccessUntil(got), lastCheck)
		}
		if charges, _, _ := w.counts(t); charges != 1 {
			t.Errorf("%d charges at the gateway, want the checkout's alone", charges)
		}
	})
}
