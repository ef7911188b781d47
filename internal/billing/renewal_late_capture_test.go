package billing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/mail"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// slowWire stands between Broadsheet and the fake Razorpay. Told to, it
// holds the next recurring charge on its way in, as a slow or congested
// network would, and lets it land at Razorpay only when the test says,
// long after the process that sent it gave up waiting for the answer.
type slowWire struct {
	fake *razorpaytest.Server

	mu      sync.Mutex
	next    *heldCharge   // the charge to hold next, if any
	held    []*heldCharge // every charge held
	charges int           // recurring charges that reached the wire
}

// heldCharge is one charge held on the wire.
type heldCharge struct {
	arrived chan struct{} // closed when it is on the wire
	release chan struct{} // closed to let it land
	landed  chan struct{} // closed once Razorpay has acted on it
	once    sync.Once
}

func (s *slowWire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var h *heldCharge
	if r.Method == http.MethodPost && r.URL.Path == "/v1/payments/create/recurring" {
		s.charges++
		h, s.next = s.next, nil
	}
	s.mu.Unlock()
	if h == nil {
		s.fake.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	close(h.arrived)
	<-h.release
	late := r.Clone(context.Background())
	late.Body = io.NopCloser(bytes.NewReader(body))
	s.fake.ServeHTTP(httptest.NewRecorder(), late)
	close(h.landed)
}

// holdNext holds the next recurring charge.
func (s *slowWire) holdNext() *heldCharge {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &heldCharge{arrived: make(chan struct{}), release: make(chan struct{}), landed: make(chan struct{})}
	s.next = h
	s.held = append(s.held, h)
	return h
}

// releaseAll lets every held charge go, so that the server can close.
func (s *slowWire) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = nil
	for _, h := range s.held {
		h.once.Do(func() { close(h.release) })
	}
}

// land lets the held charge reach Razorpay and waits until it has.
func (h *heldCharge) land(t *testing.T) {
	t.Helper()
	h.once.Do(func() { close(h.release) })
	select {
	case <-h.landed:
	case <-time.After(10 * time.Second):
		t.Fatal("the held charge never landed")
	}
}

// sent counts the recurring charges Razorpay was asked for.
func (s *slowWire) sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.charges
}

// lateWorld is a reader subscribed by card through Razorpay, whose renewal
// is charged by two processes: the first (dying) loses patience with
// Razorpay after a moment, as a process killed mid-charge would, and the
// second (w.svc) is the one that starts after it.
type lateWorld struct {
	*razorpayWorld
	wire  *slowWire
	dying *billing.Service
	sub   *billing.Subscription
}

func newLateWorld(t *testing.T, st *store.Store) *lateWorld {
	t.Helper()
	w := newRazorpayWorld(t, st)
	w.svc.Mail = mail.Outbox{Store: st, Now: w.clk.Now}
	w.svc.Publication = func() string { return "The Example Times" }
	wire := &slowWire{fake: w.fake}
	srv := httptest.NewServer(wire)
	t.Cleanup(srv.Close)
	t.Cleanup(wire.releaseAll) // before the server closes, which waits for the held charges
	gateway := func(timeout time.Duration) *razorpay.Gateway {
		client, err := razorpay.NewClient(razorpay.Config{BaseURL: srv.URL, KeyID: "rzp_test_key", KeySecret: "key-secret",
			HTTPClient: &http.Client{Timeout: timeout}})
		if err != nil {
			t.Fatal(err)
		}
		gw, err := razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: "webhook-secret", Now: w.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		return gw
	}
	w.gw = gateway(5 * time.Second)
	w.svc.Gateway = w.gw
	dying := *w.svc
	dying.Gateway = gateway(300 * time.Millisecond)

	ctx := context.Background()
	page, err := w.startCheckout(t, "form-1")
	if err != nil {
		t.Fatal(err)
	}
	w.payPage(t, page)
	sub, _, err := w.svc.CompleteCheckout(ctx, fmt.Sprintf("checkout:%d:form-1", w.reader))
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Set(sub.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))
	if err := w.svc.SendRenewalNotice(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	w.clk.Set(*sub.NextAttemptAt)
	return &lateWorld{razorpayWorld: w, wire: wire, dying: &dying, sub: sub}
}

// chargeAndDie has the dying process run the renewal (charge, the first
// time; recovery, after): its charge is held on the wire and it gives up,
// leaving the payment pending. It returns the payment and the held charge.
func (w *lateWorld) chargeAndDie(t *testing.T, run func(ctx context.Context, id int64) error, id int64) (*billing.Payment, *heldCharge) {
	t.Helper()
	h := w.wire.holdNext()
	if err := run(context.Background(), id); err == nil {
		t.Fatal("the renewal whose charge is held on the wire succeeded")
	}
	select {
	case <-h.arrived:
	default:
		t.Fatal("the renewal's charge never reached the wire")
	}
	p := latestPayment(t, w.st, w.reader)
	if p.Purpose != billing.PurposeRenewal || p.Status != billing.PaymentPending {
		t.Fatalf("payment %+v, want the renewal pending", p)
	}
	return p, h
}

// declinedMeanwhile is the story of a renewal charged twice for one term:
// the first process's charge is still on the wire when the next process,
// minutes later by its clock, finds the payment pending and nothing at
// Razorpay, charges it again and is declined; then the first charge lands
// and is captured. It returns the payment, and the id of the captured
// charge at Razorpay.
func (w *lateWorld) declinedMeanwhile(t *testing.T) (*billing.Payment, string) {
	t.Helper()
	ctx := context.Background()
	p, held := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
	w.clk.Advance(5 * time.Minute) // the next process starts minutes later by its clock
	w.fake.FailNextRecurring(1)
	if err := w.svc.Renew(ctx, w.sub.ID); err != nil {
		t.Fatalf("renewal after the first process died: %v", err)
	}
	if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentFailed {
		t.Fatalf("after the second charge was declined, the payment is %s, want failed", got.Status)
	}
	if s := w.razorpayWorld.sub(t, w.sub.ID); s.Status != billing.PastDue || s.RenewalFailures != 1 || s.NextAttemptAt == nil {
		t.Fatalf("subscription %+v after the decline, want past due with a retry", s)
	}
	held.land(t)
	ids := w.fake.PaymentIDs()
	captured := ids[len(ids)-1]
	if st := w.fake.PaymentStatus(captured); st != "captured" {
		t.Fatalf("the held charge is %s at Razorpay, want captured", st)
	}
	return p, captured
}

func (w *lateWorld) payment(t *testing.T, key string) *billing.Payment {
	t.Helper()
	p, err := w.st.PaymentByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recoverStale runs the periodic recovery, as the jobs would: p is stale,
// and its recovery is queued (once more for each charge sent again) and run.
func (w *lateWorld) recoverStale(t *testing.T, p *billing.Payment) {
	t.Helper()
	ctx := context.Background()
	if err := w.svc.EnqueueRecoveries(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		job, err := w.st.ClaimJob(ctx, billing.CheckoutRecoveryJob, "test", w.clk.Now(), time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if job.Payload != strconv.FormatInt(p.ID, 10) {
			t.Fatalf("recovery of payment %s, want %d", job.Payload, p.ID)
		}
		if err := w.svc.RecoverPayment(ctx, p.ID); err != nil {
			t.Fatalf("recovery: %v", err)
		}
		if _, err := w.st.CompleteJob(ctx, job.ID, "test", w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d recoveries of payment %d queued, want 1", n, p.ID)
	}
}

// retry runs the subscription's next attempt when it falls due.
func (w *lateWorld) retry(t *testing.T) {
	t.Helper()
	s := w.razorpayWorld.sub(t, w.sub.ID)
	if s.NextAttemptAt != nil && w.clk.Now().Before(*s.NextAttemptAt) {
		w.clk.Set(*s.NextAttemptAt)
	}
	if err := w.svc.Renew(context.Background(), w.sub.ID); err != nil {
		t.Fatalf("renewal retried: %v", err)
	}
}

// assertTermPaidOnce checks both sides: the second term was paid by the
// late charge, captured once at Razorpay and kept; nothing else was
// captured for it and nothing refunded; the subscription is active with two
// terms; and reconciliation has nothing to report.
func (w *lateWorld) assertTermPaidOnce(t *testing.T, p *billing.Payment, captured string) {
	t.Helper()
	ctx := context.Background()
	if n := w.fake.CapturedPayments(); n != 2 {
		t.Errorf("Razorpay captured %d payments, want the checkout's and one renewal", n)
	}
	if n := w.fake.Refunds(); n != 0 {
		t.Errorf("Razorpay made %d refunds, want none", n)
	}
	got := w.payment(t, p.IdempotencyKey)
	if got.Status != billing.PaymentSucceeded || got.GatewayRef != captured {
		t.Errorf("renewal payment %s (%s), want succeeded by the late charge %s", got.Status, got.GatewayRef, captured)
	}
	s := w.razorpayWorld.sub(t, w.sub.ID)
	if s.Status != billing.Active || s.TermsPaid != 2 || s.RenewalFailures != 0 || s.GraceUntil != nil {
		t.Errorf("subscription %s, %d terms, %d failures, grace %v; want active with two terms", s.Status, s.TermsPaid, s.RenewalFailures, s.GraceUntil)
	}
	terms, err := w.st.Terms(ctx, w.sub.ID)
	if err != nil || len(terms) != 2 || terms[1].PaymentID != p.ID {
		t.Errorf("terms %+v (%v), want the second paid by payment %d", terms, err, p.ID)
	}
	for run := range 2 {
		sum, err := w.svc.ReconcileRecent(ctx)
		if err != nil || sum.Reported != 0 {
			t.Errorf("reconciliation run %d: %+v, %v; want nothing reported", run+1, sum, err)
		}
	}
	if reports := openReports(t, w.svc); len(reports) != 0 {
		t.Errorf("open reports %v, want none", reports)
	}
	// The retry falls due: nothing more is charged for the term.
	before := w.wire.sent()
	w.clk.Advance(billing.DefaultSchedule.Retries[0])
	if err := w.svc.Renew(ctx, w.sub.ID); err != nil {
		t.Fatalf("renewal a day on: %v", err)
	}
	if n := w.wire.sent(); n != before {
		t.Errorf("Razorpay was asked for %d more charges once the term was paid, want none", n-before)
	}
}

// A renewal's charge was still on its way to Razorpay when the process
// that sent it died; the next process charged the same payment again and
// was declined, so the renewal was recorded as declined and retried a day
// later; then the first charge landed and was captured. Wherever the late
// capture is found first (by the retry before it charges, by the payment's
// webhook, by reconciliation), it pays the term: the reader is charged once
// for it, the retry charges nothing, and reconciliation reports nothing.
func TestRenewalCapturedAfterItsDeclineIsTheTermsPayment(t *testing.T) {
	found := map[string]func(t *testing.T, w *lateWorld, captured string){
		"by the retry": func(t *testing.T, w *lateWorld, _ string) { w.retry(t) },
		"by its webhook": func(t *testing.T, w *lateWorld, captured string) {
			w.deliver(t, "payment.captured", captured)
		},
		"by reconciliation": func(t *testing.T, w *lateWorld, _ string) {
			sum, err := w.svc.ReconcileRecent(context.Background())
			if err != nil || sum.Repaired != 1 || sum.Reported != 0 {
				t.Errorf("reconciliation: %+v, %v; want the late capture repaired and nothing reported", sum, err)
			}
		},
	}
	for name, find := range found {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				w := newLateWorld(t, st)
				p, captured := w.declinedMeanwhile(t)
				find(t, w, captured)
				w.assertTermPaidOnce(t, p, captured)
			})
		})
	}
}

// The same story, but the retry charged the term and was paid before the
// late capture of the first attempt was found: the late capture bought
// nothing and is refunded, at Razorpay and in our records, once.
func TestRenewalCapturedAfterTheRetryPaidIsRefunded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newLateWorld(t, st)
		p, held := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
		w.clk.Advance(5 * time.Minute)
		w.fake.FailNextRecurring(1)
		if err := w.svc.Renew(ctx, w.sub.ID); err != nil {
			t.Fatal(err)
		}
		w.retry(t) // the retry is paid while the first charge is still on the wire
		s := w.razorpayWorld.sub(t, w.sub.ID)
		if s.TermsPaid != 2 {
			t.Fatalf("subscription %+v after the retry, want the term paid", s)
		}
		retried := w.payment(t, fmt.Sprintf("renewal:%d:2:2", s.ID))
		held.land(t)
		ids := w.fake.PaymentIDs()
		late := ids[len(ids)-1]
		for range 2 {
			if _, err := w.svc.ReconcileRecent(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := w.fake.Refunds(); n != 1 || w.fake.RefundedAmount(late) == 0 {
			t.Errorf("Razorpay made %d refunds, %d paise of the late capture; want it refunded once", n, w.fake.RefundedAmount(late))
		}
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentRefunded || got.GatewayRef != late {
			t.Errorf("first attempt's payment %s (%s), want refunded as %s", got.Status, got.GatewayRef, late)
		}
		if got := w.payment(t, retried.IdempotencyKey); got.Status != billing.PaymentSucceeded {
			t.Errorf("retry's payment %s, want succeeded", got.Status)
		}
		terms, err := st.Terms(ctx, s.ID)
		if err != nil || len(terms) != 2 || terms[1].PaymentID != retried.ID {
			t.Errorf("terms %+v (%v), want the second paid by the retry", terms, err)
		}
		if reports := openReports(t, w.svc); len(reports) != 0 {
			t.Errorf("open reports %v, want none", reports)
		}
	})
}

// While a renewal's charge may still be on its way to Razorpay, the
// renewal found pending is not charged again, however often it runs: it
// waits quietly, and once the charge has had time to land, recovery
// settles it from what Razorpay recorded, with the one charge.
func TestRenewalChargeInFlightIsNotSentAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newLateWorld(t, st)
		p, held := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
		for range 3 {
			w.clk.Advance(30 * time.Second)
			if err := w.svc.Renew(ctx, w.sub.ID); err != nil {
				t.Fatalf("renewal while its charge may be on its way: %v, want it to wait quietly", err)
			}
			if err := w.svc.SettlePayment(ctx, p.ID); err != nil {
				t.Fatalf("settling while its charge may be on its way: %v, want it to wait quietly", err)
			}
		}
		if n := w.wire.sent(); n != 1 {
			t.Fatalf("Razorpay was asked for %d charges while the first was on its way, want 1", n)
		}
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentPending {
			t.Fatalf("payment %s while its charge may be on its way, want pending", got.Status)
		}
		held.land(t)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		w.recoverStale(t, p)
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentSucceeded {
			t.Errorf("payment %s after the wait, want succeeded", got.Status)
		}
		if n := w.wire.sent(); n != 1 {
			t.Errorf("Razorpay was asked for %d charges, want 1", n)
		}
		if s := w.razorpayWorld.sub(t, w.sub.ID); s.TermsPaid != 2 {
			t.Errorf("subscription has %d terms, want 2", s.TermsPaid)
		}
	})
}

// Razorpay never received the renewal's first charge, so once the wait
// is over it is charged again; that charge too is lost on the wire with
// the process that sent it. The wait then counts from the charge sent
// again: the renewal is not charged a third time meanwhile, and is
// recovered once that has passed.
func TestRenewalChargedAgainWaitsForTheChargeSentAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newLateWorld(t, st)
		p, first := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		// Its recovery falls due and is run by a process that dies too,
		// having sent the charge again; the job is lost.
		if err := w.svc.EnqueueRecoveries(ctx); err != nil {
			t.Fatal(err)
		}
		job, err := st.ClaimJob(ctx, billing.CheckoutRecoveryJob, "dying", w.clk.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		_, again := w.chargeAndDie(t, w.dying.RecoverPayment, p.ID)
		if _, err := st.CompleteJob(ctx, job.ID, "dying", w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		w.clk.Advance(30 * time.Second)
		if err := w.svc.Renew(ctx, w.sub.ID); err != nil {
			t.Fatalf("renewal while the charge sent again may be on its way: %v, want it to wait quietly", err)
		}
		if err := w.svc.RecoverRenewal(ctx, p.ID); err != nil {
			t.Fatalf("recovery while the charge sent again may be on its way: %v, want it to wait quietly", err)
		}
		if n := w.wire.sent(); n != 2 {
			t.Fatalf("Razorpay was asked for %d charges, want the first and the one sent again", n)
		}
		if stale, err := w.svc.StalePayments(ctx, 10); err != nil || len(stale) != 0 {
			t.Fatalf("stale payments %v (%v) while the charge sent again may be on its way, want none", stale, err)
		}
		again.land(t)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		w.recoverStale(t, p)
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentSucceeded {
			t.Errorf("payment %s, want succeeded by the charge sent again", got.Status)
		}
		first.land(t) // on an order paid meanwhile: refused
		if n := w.fake.CapturedPayments(); n != 2 {
			t.Errorf("Razorpay captured %d payments, want the checkout's and one renewal", n)
		}
		if n := w.wire.sent(); n != 2 {
			t.Errorf("Razorpay was asked for %d renewal charges, want 2", n)
		}
	})
}

// rivalClaims is a store on which another run claims every charge about
// to be sent again a moment before this one does.
type rivalClaims struct{ billing.Store }

func (s rivalClaims) ClaimCharge(ctx context.Context, id int64, sub *billing.Subscription, sentBefore, now time.Time) (bool, error) {
	if _, err := s.Store.ClaimCharge(ctx, id, sub, sentBefore, now); err != nil {
		return false, err
	}
	return s.Store.ClaimCharge(ctx, id, sub, sentBefore, now)
}

// Two runs find a renewal Razorpay has nothing under once the wait is
// over: the one that claims it charges it again; the other charges
// nothing, quietly, leaving the payment to the first.
func TestRenewalChargedAgainByOneRunOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newLateWorld(t, st)
		p, held := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		second := *w.svc
		second.Store = rivalClaims{st}
		if err := second.RecoverRenewal(ctx, p.ID); err != nil {
			t.Fatalf("recovery that lost the claim: %v, want it to leave the payment quietly", err)
		}
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentPending {
			t.Fatalf("payment %s, want it left pending to the run sending its charge", got.Status)
		}
		if n := w.wire.sent(); n != 1 {
			t.Fatalf("Razorpay was asked for %d charges, want 1: the run that lost the claim sent one", n)
		}
		held.land(t)
		if err := w.svc.RecoverRenewal(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.payment(t, p.IdempotencyKey); got.Status != billing.PaymentSucceeded {
			t.Errorf("payment %s, want succeeded by the first charge", got.Status)
		}
	})
}

// cancelsFirst is a store on which the reader cancels between a run's
// read of the subscription and its claim of the charge to send again.
type cancelsFirst struct {
	billing.Store
	cancel func() error
}

func (s cancelsFirst) ClaimCharge(ctx context.Context, id int64, sub *billing.Subscription, sentBefore, now time.Time) (bool, error) {
	if err := s.cancel(); err != nil {
		return false, err
	}
	return s.Store.ClaimCharge(ctx, id, sub, sentBefore, now)
}

// A reader who cancels while a renewal's lost charge waits out its time
// on the wire is not charged once the wait is over, even by a run that
// read the subscription before the cancel.
func TestRenewalChargeNotSentAgainAfterTheReaderCancelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newLateWorld(t, st)
		p, _ := w.chargeAndDie(t, w.dying.Renew, w.sub.ID)
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		racing := *w.svc
		racing.Store = cancelsFirst{st, func() error { return w.svc.Cancel(ctx, w.sub.AccountID) }}
		if err := racing.RecoverRenewal(ctx, p.ID); err != nil {
			t.Fatalf("recovery that lost to the cancel: %v, want it to leave the payment quietly", err)
		}
		if n := w.wire.sent(); n != 1 {
			t.Fatalf("Razorpay was asked for %d charges, want 1: the charge was sent again after the reader cancelled", n)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if err := w.svc.RecoverRenewal(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.wire.sent(); n != 1 {
			t.Errorf("Razorpay was asked for %d charges after the cancel, want 1", n)
		}
		if got := w.payment(t, p.IdempotencyKey); got.Status == billing.PaymentPending || got.Status == billing.PaymentSucceeded {
			t.Errorf("payment %s, want it released uncharged", got.Status)
		}
	})
}
