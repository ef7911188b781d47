package billing_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/mail"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// outboxWorld is a checkout world whose mail goes to the store's outbox,
// as it does in the demo and the page tests.
func outboxWorld(t *testing.T, st *store.Store) *checkoutWorld {
	t.Helper()
	w := newCheckoutWorld(t, st)
	w.svc.Mail = mail.Outbox{Store: st, Now: w.clk.Now}
	return w
}

// outboxWith returns the outbox's emails whose subject contains what.
func outboxWith(t *testing.T, st *store.Store, what string) []mail.OutboxMessage {
	t.Helper()
	all, err := st.Outbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.OutboxMessage
	for _, m := range all {
		if strings.Contains(m.Subject, what) {
			out = append(out, m)
		}
	}
	return out
}

// failFirstRecord is the database as a notice's job sees it when its
// process dies after the email went out and before it was recorded: the
// first transaction after sending fails.
type failFirstRecord struct {
	*store.Store
	failed *bool
}

var errDiedAfterSending = errors.New("process died after sending the notice")

func (s failFirstRecord) InBillingTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	if !*s.failed {
		*s.failed = true
		return errDiedAfterSending
	}
	return s.Store.InBillingTx(ctx, fn)
}

// A term is not charged until its notice has been out for a day: asked to
// renew on the day without one, the renewal charges nothing and says why,
// and with one sent 23 hours before the charge (the server was down over
// the notice period) the charge moves to a day after the notice.
func TestRenewalWaitsADayAfterItsNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		due := sub.PaidUntil.Add(-billing.RenewalLead)

		w.clk.Set(due)
		if err := w.svc.Renew(ctx, sub.ID); err == nil || !strings.Contains(err.Error(), "notice") {
			t.Fatalf("renewal without a notice: %v, want a refusal naming the notice", err)
		}
		if due, err := w.svc.DueSubscriptions(ctx, 10); err != nil || len(due) != 0 {
			t.Fatalf("%d renewals due without a notice (%v)", len(due), err)
		}

		sent := due.Add(-23 * time.Hour)
		w.clk.Set(sent)
		if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		got, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		moved := sent.Add(billing.NoticeMinLead)
		if got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(moved) {
			t.Fatalf("next attempt %v, want a day after the notice, %s", got.NextAttemptAt, moved)
		}
		w.clk.Set(moved.Add(-time.Second))
		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if charges, _, _ := w.counts(t); charges != 1 {
			t.Fatalf("%d charges a second before a day had passed since the notice, want the checkout's alone", charges)
		}
		w.clk.Set(moved)
		if due, err := w.svc.DueSubscriptions(ctx, 10); err != nil || len(due) != 1 {
			t.Fatalf("%d renewals due a day after the notice (%v), want 1", len(due), err)
		}
		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if charges, _ := w.assertEveryChargeAccounted(t); charges != 2 {
			t.Errorf("%d charges, want the checkout and the renewal", charges)
		}
	})
}

// The notice's job sends the email and its process dies before recording
// it: the job, run again, sends the same email, which the outbox keeps
// once, and records it then. Run once more it sends nothing.
func TestNoticeSentButNotRecordedIsKeptOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := outboxWorld(t, st)
		sub := w.subscribed(t)
		w.clk.Set(sub.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))

		dying := *w.svc
		dying.Store = failFirstRecord{Store: st, failed: new(bool)}
		if err := dying.SendRenewalNotice(ctx, sub.ID); !errors.Is(err, errDiedAfterSending) {
			t.Fatalf("notice through a crash: %v", err)
		}
		if n := len(outboxWith(t, st, "renews on")); n != 1 {
			t.Fatalf("%d notices in the outbox after the crash, want the one sent", n)
		}
		if n, err := st.RenewalNotice(ctx, sub.ID, 2); err != nil || n.SentAt != nil {
			t.Fatalf("notice %+v (%v), want prepared and not recorded as sent", n, err)
		}

		w.clk.Advance(time.Minute)
		for range 2 { // the job retried; a second instance
			if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(outboxWith(t, st, "renews on")); n != 1 {
			t.Errorf("%d notices in the outbox, want 1", n)
		}
		n, err := st.RenewalNotice(ctx, sub.ID, 2)
		if err != nil || n.SentAt == nil || !n.SentAt.Equal(w.clk.Now()) {
			t.Errorf("notice %+v (%v), want recorded as sent when it was recorded", n, err)
		}
	})
}

// A reader cancels auto-renewal while the notice's job is queued: it sends
// nothing and fails, to be tried again; after the reader turns
// auto-renewal back on it sends the notice, once.
func TestNoticeWaitsWhileAutoRenewalIsOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := outboxWorld(t, st)
		sub := w.subscribed(t)
		w.clk.Set(sub.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))
		if err := w.svc.EnqueueRenewalNotices(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.JobByKey(ctx, billing.RenewalNoticeKey(sub)); err != nil {
			t.Fatalf("notice job: %v", err)
		}
		if err := w.svc.Cancel(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SendRenewalNotice(ctx, sub.ID); err == nil {
			t.Fatal("the notice's job finished with auto-renewal off: turned back on, the reader would get none")
		}
		if n := len(outboxWith(t, st, "renews on")); n != 0 {
			t.Fatalf("%d notices sent with auto-renewal off", n)
		}
		if err := w.svc.Resume(ctx, w.reader); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(outboxWith(t, st, "renews on")); n != 1 {
			t.Errorf("%d notices after auto-renewal was turned back on, want 1", n)
		}
	})
}

// An admin reprices the plan after the notice went out: the renewal
// charges what the notice said; the next notice names the new price.
func TestRenewalChargesWhatItsNoticeSaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		plan, err := st.PlanByID(ctx, sub.PlanID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.EditPlan(ctx, plan.ID, billing.PlanForm{Name: plan.Name, Code: plan.Code, Price: "1,200", Term: "3", Active: true}); err != nil {
			t.Fatal(err)
		}
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		terms, err := st.Terms(ctx, sub.ID)
		if err != nil || len(terms) != 2 || terms[1].Amount != plan.Price {
			t.Fatalf("terms %+v (%v), want the second at the noticed %s", terms, err, plan.Price)
		}
		renewed, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, renewed)
		if n, err := st.RenewalNotice(ctx, sub.ID, 3); err != nil || n.Amount != 120000 {
			t.Errorf("the next notice: %+v (%v), want ₹1,200", n, err)
		}
	})
}

// A renewal whose process died after the gateway answered is run again,
// twice: the receipt of a charge that went through, and the email about
// one declined, are each queued once, and their jobs run twice send one.
func TestRenewalReplayedAfterACrashEmailsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := outboxWorld(t, st)
		sub := w.subscribed(t)
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		if err := w.through(crashAfterCharge{w.gateway}).Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v", err)
		}
		for range 2 {
			if err := w.svc.Renew(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		p, err := st.PaymentByKey(ctx, billing.RenewalKey(sub))
		if err != nil {
			t.Fatal(err)
		}
		job, _, err := st.JobByKey(ctx, "receipt:"+itoa(sub.ID)+":2")
		if err != nil || job.Kind != billing.RenewalReceiptJob || job.Payload != itoa(p.ID) {
			t.Fatalf("receipt job %+v (%v)", job, err)
		}
		for range 2 {
			if err := w.svc.SendRenewalReceipt(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(outboxWith(t, st, "renewed")); n != 1 {
			t.Errorf("%d renewal receipts, want 1", n)
		}

		// The next term's renewal is declined, through the same crash.
		renewed, err := st.SubscriptionByID(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, renewed)
		declining := declineAll{w.gateway}
		w.clk.Set(*renewed.NextAttemptAt)
		if err := w.through(crashAfterCharge{declining}).Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("declined renewal through a crash: %v", err)
		}
		for range 2 {
			if err := w.through(declining).Renew(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		declined, err := st.PaymentByKey(ctx, billing.RenewalKey(renewed))
		if err != nil || declined.Status != billing.PaymentFailed {
			t.Fatalf("declined payment %+v (%v)", declined, err)
		}
		if got, _ := st.SubscriptionByID(ctx, sub.ID); got.RenewalFailures != 1 || got.Status != billing.PastDue {
			t.Fatalf("after the replayed decline: %s with %d failures, want past due with 1", got.Status, got.RenewalFailures)
		}
		job, _, err = st.JobByKey(ctx, billing.RenewalDeclinedKey(declined))
		if err != nil || job.Kind != billing.RenewalDeclinedJob {
			t.Fatalf("declined job %+v (%v)", job, err)
		}
		for range 2 {
			if err := w.svc.SendRenewalDeclined(ctx, declined.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(outboxWith(t, st, "could not renew")); n != 1 {
			t.Errorf("%d emails about the decline, want 1", n)
		}
	})
}

// declineAll is a gateway that declines every charge, as a card that
// stopped working does.
type declineAll struct{ *billing.TestGateway }

func (g declineAll) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	c.Token = "tok_" + billing.CardDeclinesLater + "_x"
	return g.TestGateway.Charge(ctx, c)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
