package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/clock"
	"broadsheet/internal/demo"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// crashAfterCharge is a gateway through which the charge goes through, and
// then the process dies before it hears the answer.
type crashAfterCharge struct{ billing.Gateway }

var errCrash = errors.New("process killed after the gateway took the money")

func (g crashAfterCharge) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	if _, err := g.Gateway.Charge(ctx, c); err != nil {
		return billing.ChargeResult{}, err
	}
	return billing.ChargeResult{}, errCrash
}

// A renewal whose process died between the gateway's charge and recording
// it is run again: the payment left pending is charged under the same
// idempotency key, so the reader pays once and gets one term.
func TestRenewalAfterACrashChargesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ist, _ := time.LoadLocation("Asia/Kolkata")
		clk := clock.NewManual(time.Date(2026, 11, 15, 10, 0, 0, 0, ist))
		if err := demo.EnsurePlans(ctx, st); err != nil {
			t.Fatal(err)
		}
		acc := &accounts.Service{Store: st, Now: clk.Now}
		reader, err := acc.Register(ctx, "reader@example.com", "long-enough-pass", accounts.RoleReader)
		if err != nil {
			t.Fatal(err)
		}
		gateway := &billing.TestGateway{Store: st, Now: clk.Now}
		svc := &billing.Service{Store: st, Gateway: gateway, Now: clk.Now, Location: func() *time.Location { return ist },
			Mail: &sentMail{}, Publication: func() string { return "The Example Times" }}
		card := billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2030", CVC: "123"}
		sub, err := svc.Checkout(ctx, reader.ID, "smart-quarterly", card, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(sub.PaidUntil.Add(-billing.RenewalLead - billing.DefaultSchedule.Notice))
		if err := svc.SendRenewalNotice(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))

		crashing := &billing.Service{Store: st, Gateway: crashAfterCharge{gateway}, Now: clk.Now, Location: svc.Location}
		if err := crashing.Renew(ctx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("first attempt: %v, want the simulated crash", err)
		}
		for range 2 { // the job runner retries; a second instance may too
			if err := svc.Renew(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		paid, err := st.CountSucceededPayments(ctx, reader.ID)
		if err != nil || paid != 2 {
			t.Fatalf("%d successful payments (%v), want 2: the checkout and one renewal", paid, err)
		}
		terms, err := st.Terms(ctx, sub.ID)
		if err != nil || len(terms) != 2 {
			t.Fatalf("%d terms (%v), want 2", len(terms), err)
		}
		got, _ := st.SubscriptionByID(ctx, sub.ID)
		if want := billing.AddMonths(sub.AnchorAt, 6, ist); !got.PaidUntil.Equal(want) {
			t.Errorf("paid until %s, want %s", got.PaidUntil, want)
		}
	})
}
