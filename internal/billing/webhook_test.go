package billing_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// signingGateway is the test gateway with webhooks signed the way
// providers sign theirs: an HMAC of the raw body in a header.
type signingGateway struct {
	billing.Gateway
	secret string
}

func (g signingGateway) sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(g.secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (g signingGateway) ParseWebhook(h http.Header, body []byte) (billing.Event, error) {
	got, _ := hex.DecodeString(h.Get("X-Signature"))
	want, _ := hex.DecodeString(g.sign(body))
	if len(got) == 0 || !hmac.Equal(got, want) {
		return billing.Event{}, fmt.Errorf("test: %w", billing.ErrWebhookSignature)
	}
	var ev billing.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return billing.Event{}, err
	}
	return ev, nil
}

func (w *checkoutWorld) webhook(t *testing.T, svc *billing.Service, g signingGateway, ev billing.Event, forge bool) (billing.WebhookOutcome, error) {
	t.Helper()
	body, _ := json.Marshal(ev)
	sig := g.sign(body)
	if forge {
		sig = g.sign(append(body, ' '))
	}
	return svc.HandleWebhook(context.Background(), "test", http.Header{"X-Signature": {sig}}, body)
}

// settleJobs runs the settling jobs webhooks queued, as the jobs runner
// would, and returns how many there were.
func settleJobs(t *testing.T, st *store.Store, svc *billing.Service) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for {
		job, err := st.ClaimJob(ctx, billing.SettleJob, "test", svc.Now(), time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		id, _ := strconv.ParseInt(job.Payload, 10, 64)
		if err := svc.SettlePayment(ctx, id); err != nil {
			t.Fatalf("settle payment %d: %v", id, err)
		}
		if _, err := st.CompleteJob(ctx, job.ID, "test", svc.Now()); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// A provider's webhooks as an attacker and bad luck send them: forged,
// replayed ten times, about no payment of ours, and before the reader is
// back from the checkout page. Each has its one effect: the paid checkout
// starts one subscription, whatever order things come in.
func TestWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		g := signingGateway{Gateway: w.gateway, secret: "whsec"}
		svc := w.through(g)

		// The reader pays on the provider's page, and the webhook comes
		// before their browser is back.
		if _, err := svc.StartCheckout(ctx, billing.CheckoutStart{AccountID: w.reader, PlanCode: "smart-quarterly", FormKey: "form-1"}); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("checkout:%d:form-1", w.reader)
		paid := billing.Event{ID: "evt_1", Type: "payment.captured", Key: key}

		// A forged signature is refused and changes nothing.
		if _, err := w.webhook(t, svc, g, paid, true); !errors.Is(err, billing.ErrWebhookSignature) {
			t.Fatalf("forged webhook: %v, want ErrWebhookSignature", err)
		}
		if _, err := svc.HandleWebhook(ctx, "test", http.Header{}, []byte(`{"id":"evt_1"}`)); !errors.Is(err, billing.ErrWebhookSignature) {
			t.Fatalf("unsigned webhook: %v, want ErrWebhookSignature", err)
		}
		if _, err := svc.HandleWebhook(ctx, "stripe", http.Header{}, nil); !errors.Is(err, billing.ErrUnknownProvider) {
			t.Fatalf("another provider's webhook: %v, want ErrUnknownProvider", err)
		}
		if n := settleJobs(t, st, svc); n != 0 {
			t.Fatalf("refused webhooks queued %d jobs", n)
		}

		// Before the payment is made, the event settles nothing yet.
		early := billing.Event{ID: "evt_0", Type: "order.created", Key: key}
		if out, err := w.webhook(t, svc, g, early, false); err != nil || !out.Queued {
			t.Fatalf("early webhook: %+v, %v", out, err)
		}
		settleJobs(t, st, svc)
		if pending, _ := svc.PendingCheckout(ctx, w.reader); !pending {
			t.Fatal("an event before payment settled the checkout")
		}

		if err := svc.PayTestCheckout(ctx, key, goodCard); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			out, err := w.webhook(t, svc, g, paid, false)
			if err != nil {
				t.Fatalf("delivery %d: %v", i+1, err)
			}
			if out.Replay != (i > 0) || out.Queued != (i == 0) {
				t.Errorf("delivery %d: %+v; want only the first acted on", i+1, out)
			}
		}
		if n := settleJobs(t, st, svc); n != 1 {
			t.Errorf("ten deliveries queued %d settlements, want 1", n)
		}
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("after the webhook: %d charges, %d payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
		// The reader comes back after the webhook settled it.
		if sub, _, err := svc.CompleteCheckout(ctx, key); err != nil || sub == nil {
			t.Errorf("the reader's return after the webhook: %+v, %v", sub, err)
		}

		// Events out of order (an older one after), and one of a type or
		// payment we do not know, are acknowledged and change nothing.
		for _, ev := range []billing.Event{
			{ID: "evt_older", Type: "payment.authorized", Key: key},
			{ID: "evt_x", Type: "payout.created"},
			{ID: "evt_y", Type: "payment.captured", Key: "checkout:999:unknown"},
		} {
			if _, err := w.webhook(t, svc, g, ev, false); err != nil {
				t.Errorf("event %s: %v", ev.ID, err)
			}
		}
		settleJobs(t, st, svc)
		if charges, succeeded, live := w.counts(t); charges != 1 || succeeded != 1 || live != 1 {
			t.Fatalf("in the end: %d charges, %d payments, %d subscriptions; want 1 each", charges, succeeded, live)
		}
	})
}
