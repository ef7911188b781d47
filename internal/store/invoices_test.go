package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/gst"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// paidPayment records a reader's checkout payment, as a checkout begins it.
func paidPayment(t *testing.T, st *store.Store, n int) *billing.Payment {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
	account, err := st.CreateAccount(ctx, &accounts.Account{Email: fmt.Sprintf("r%d@example.com", n), Role: accounts.RoleReader, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := st.PlanByCode(ctx, "monthly")
	if errors.Is(err, store.ErrNotFound) {
		plan = &billing.Plan{Code: "monthly", Name: "Monthly", Price: 29900, Currency: "INR", TermMonths: 1, Active: true}
		if plan.ID, err = st.UpsertPlan(ctx, *plan); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	p, _, err := st.BeginCheckout(ctx, &billing.Payment{AccountID: account, IdempotencyKey: fmt.Sprintf("checkout:%d:f", account),
		PlanID: plan.ID, Amount: plan.Price, Currency: "INR", Gateway: "test", CreatedAt: now}, plan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func invoiceFor(p *billing.Payment) *billing.Invoice {
	return &billing.Invoice{
		Series: billing.SeriesInvoice, FinancialYear: "2026-27", AccountID: p.AccountID, PaymentID: p.ID,
		IssuedAt: p.CreatedAt, SAC: "998431", Description: "Monthly", TermMonths: 1, PeriodStart: p.CreatedAt,
		PeriodEnd: p.CreatedAt.AddDate(0, 1, 0), RatePercent: 18, Total: p.Amount, Tax: gst.Split(p.Amount, 18, true),
	}
}

// The schema keeps one invoice per payment and each number once, whatever
// the code asks.
func TestSchemaRefusesASecondInvoiceOrNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		issue := func(inv *billing.Invoice) error {
			return st.InTx(ctx, func(tx *store.Tx) error { return tx.IssueInvoice(ctx, inv) })
		}
		first := paidPayment(t, st, 1)
		inv := invoiceFor(first)
		if err := issue(inv); err != nil || inv.Number != "INV/2026-27/000001" {
			t.Fatalf("first invoice %s: %v", inv.Number, err)
		}
		if err := issue(invoiceFor(first)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second invoice for the payment: %v, want ErrConflict", err)
		}
		// A counter set back would hand a number out again: refused.
		if err := st.Exec(ctx, `UPDATE invoice_counters SET last_seq = 0`); err != nil {
			t.Fatal(err)
		}
		if err := issue(invoiceFor(paidPayment(t, st, 2))); !errors.Is(err, store.ErrConflict) {
			t.Errorf("an invoice whose number is taken: %v, want ErrConflict", err)
		}
		if err := st.Exec(ctx, `UPDATE invoice_counters SET last_seq = 1`); err != nil {
			t.Fatal(err)
		}
		// Parts that do not add up to the total are refused too.
		bad := invoiceFor(paidPayment(t, st, 3))
		bad.Tax.CGST++
		if err := issue(bad); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("an invoice whose parts do not add up: %v, want the check refusing it", err)
		}
		// A credit note names its invoice and refund.
		note := invoiceFor(first)
		note.Series = billing.SeriesCreditNote
		if err := issue(note); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("a credit note of no invoice: %v, want the check refusing it", err)
		}
		// After all the refusals the next number is the next one.
		next := invoiceFor(paidPayment(t, st, 4))
		if err := issue(next); err != nil || next.Number != "INV/2026-27/000002" {
			t.Errorf("the next invoice %q: %v, want INV/2026-27/000002", next.Number, err)
		}
	})
}
