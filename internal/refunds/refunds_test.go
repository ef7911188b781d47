package refunds_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/complimentary"
	"broadsheet/internal/demo"
	"broadsheet/internal/refunds"
)

// accountID is the id of the demo account whose role starts with role.
func accountID(t *testing.T, site *apptest.Site, role string) int64 {
	t.Helper()
	for _, a := range demo.Accounts {
		if strings.HasPrefix(a.Role, role) {
			acct, err := site.App.Store.AccountByEmail(context.Background(), a.Email)
			if err != nil {
				t.Fatal(err)
			}
			return acct.ID
		}
	}
	t.Fatalf("no demo account %q", role)
	return 0
}

// The service checks, in the refund's own transaction, that who asks is
// an administrator still: an admin demoted while their form was on its
// way refunds nothing, and gives nothing.
func TestOnlyAnAdministratorRefunds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		subscriber := accountID(t, site, "subscriber")
		history, err := site.App.Billing.PaymentHistory(ctx, subscriber)
		if err != nil || len(history) != 1 {
			t.Fatal(history, err)
		}
		for _, who := range []string{"editor", "registered", "subscriber"} {
			_, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: accountID(t, site, who), PaymentID: history[0].Payment.ID,
				Key: billing.NewFormKey(), Amount: "100", Reason: "Not mine to give"})
			if !errors.Is(err, audit.ErrNotAdmin) {
				t.Errorf("a refund asked by the %s: %v, want ErrNotAdmin", who, err)
			}
			_, err = site.App.Complimentary.Give(ctx, complimentary.Grant{AdminID: accountID(t, site, who), Email: "reader@demo.broadsheet.test",
				PlanID: history[0].Payment.PlanID, Months: "1", Reason: "Not mine to give"})
			if !errors.Is(err, audit.ErrNotAdmin) {
				t.Errorf("a gift by the %s: %v, want ErrNotAdmin", who, err)
			}
		}
		if list, err := site.App.Store.RefundsOf(ctx, subscriber); err != nil || len(list) != 0 {
			t.Errorf("refunds %v (%v), want none", list, err)
		}
	})
}

// A form's key refunds one payment: sent for another, it is refused.
func TestAFormRefundsOnePayment(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := accountID(t, site, "registered")
		card := billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2030", CVC: "123"}
		if _, err := site.App.Billing.Checkout(ctx, reader, "smart-quarterly", card, "form-one"); err != nil {
			t.Fatal(err)
		}
		admin := accountID(t, site, "admin")
		var payments []int64
		for _, who := range []int64{accountID(t, site, "subscriber"), reader} {
			history, err := site.App.Billing.PaymentHistory(ctx, who)
			if err != nil || len(history) != 1 {
				t.Fatal(history, err)
			}
			payments = append(payments, history[0].Payment.ID)
		}
		key := billing.NewFormKey()
		if r, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: payments[0], Key: key, Amount: "100", Reason: "First"}); err != nil || r.Status != refunds.Succeeded {
			t.Fatalf("refund %+v: %v", r, err)
		}
		if _, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: payments[1], Key: key, Amount: "100", Reason: "Second"}); !errors.Is(err, refunds.ErrFormUsed) {
			t.Errorf("the key again for another payment: %v, want ErrFormUsed", err)
		}
		// The same form again answers with its refund, and refunds no more.
		if r, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: payments[0], Key: key, Amount: "100", Reason: "First"}); err != nil || r.Status != refunds.Succeeded {
			t.Errorf("the same form again: %+v, %v", r, err)
		}
		if list, err := site.App.Store.RefundsOf(ctx, reader); err != nil || len(list) != 0 {
			t.Errorf("the reader's refunds %v (%v), want none", list, err)
		}
	})
}

// The test gateway refunds in part as a provider does: once per refund
// key, and never more in all than the charge.
func TestTestGatewayRefundsInPart(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		history, err := site.App.Billing.PaymentHistory(ctx, accountID(t, site, "subscriber"))
		if err != nil || len(history) != 1 {
			t.Fatal(history, err)
		}
		p := history[0].Payment
		g := site.App.Refunds.Gateway
		req := billing.RefundRequest{Key: p.IdempotencyKey, Reference: p.GatewayRef, Amount: 100000, RefundKey: "part-1"}
		first, err := g.Refund(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := g.Refund(ctx, req); err != nil || again != first {
			t.Errorf("the same refund key again: %q (%v), want %q", again, err, first)
		}
		req.RefundKey, req.Amount = "part-2", 170001
		if _, err := g.Refund(ctx, req); !errors.Is(err, billing.ErrTestRefundExceeds) {
			t.Errorf("more than is left: %v, want ErrTestRefundExceeds", err)
		}
		req.Amount = 170000
		if _, err := g.Refund(ctx, req); err != nil {
			t.Errorf("the rest: %v", err)
		}
		if got, err := site.App.Store.TestRefunded(ctx, p.IdempotencyKey); err != nil || got != p.Amount {
			t.Errorf("refunded %s (%v), want %s", got, err, p.Amount)
		}
	})
}
