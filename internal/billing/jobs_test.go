package billing_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/mail"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// sentMail keeps what is sent.
type sentMail struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (m *sentMail) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

// A checkout queues its receipt, and billing's receipt job emails it to
// the reader, naming the plan and the publication.
func TestReceiptJobEmailsTheReader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sent := &sentMail{}
		w.svc.Mail, w.svc.BaseURL = sent, "https://news.example"
		w.svc.Publication = func() string { return "The Example Times" }
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.JobByKey(ctx, billing.ReceiptKey(sub.ID)); err != nil {
			t.Fatalf("receipt job: %v", err)
		}
		if err := w.svc.JobKinds()[billing.ReceiptJob].Run(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if len(sent.msgs) != 1 {
			t.Fatalf("%d emails sent, want 1", len(sent.msgs))
		}
		m := sent.msgs[0]
		if m.To != "reader@example.com" || !strings.Contains(m.Subject, "The Example Times") ||
			!strings.Contains(m.Body, "https://news.example/account") {
			t.Errorf("receipt %+v", m)
		}
	})
}

// A renewal is queued under its attempt's key once it falls due, and not
// before; asking again (another instance, the next round) is harmless.
func TestEnqueueRenewalsQueuesDueAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newCheckoutWorld(t, st)
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.EnqueueRenewals(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.JobByKey(ctx, billing.RenewalJobKey(sub)); err == nil {
			t.Fatal("a renewal was queued before it fell due")
		}
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		for range 2 {
			if err := w.svc.EnqueueRenewals(ctx); err != nil {
				t.Fatal(err)
			}
		}
		job, _, err := st.JobByKey(ctx, billing.RenewalJobKey(sub))
		if err != nil || job.Kind != billing.RenewalJob {
			t.Fatalf("renewal job %+v, %v", job, err)
		}
	})
}
