package store

// The whole money ledger, for audits that check its invariants across
// every subscription at once (the billing simulation); nothing a request
// serves reads it.

import (
	"context"
	"time"
)

// LedgerTerm is one paid term, beside the payment that paid for it.
type LedgerTerm struct {
	SubscriptionID int64
	Seq            int
	StartsAt       time.Time
	EndsAt         time.Time
	Amount         int64
	PaymentID      int64
	PaymentStatus  string
	PaymentAmount  int64
}

// LedgerTerms lists every paid term, by subscription and sequence.
func (s *Store) LedgerTerms(ctx context.Context) ([]LedgerTerm, error) {
	rows, err := s.readRows(ctx, `SELECT t.subscription_id, t.seq, t.starts_at, t.ends_at, t.amount_paise,
			COALESCE(t.payment_id, 0), COALESCE(p.status, ''), COALESCE(p.amount_paise, 0)
		FROM subscription_terms t LEFT JOIN payments p ON p.id = t.payment_id
		ORDER BY t.subscription_id, t.seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerTerm
	for rows.Next() {
		var t LedgerTerm
		if err := rows.Scan(&t.SubscriptionID, &t.Seq, &t.StartsAt, &t.EndsAt, &t.Amount, &t.PaymentID, &t.PaymentStatus, &t.PaymentAmount); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TestGatewayTotals sums what the built-in test gateway took and gave back.
func (s *Store) TestGatewayTotals(ctx context.Context) (charged, refunded int64, err error) {
	err = s.readRow(ctx, `SELECT COALESCE(SUM(amount_paise), 0),
			COALESCE(SUM(CASE WHEN refund_reference <> '' THEN amount_paise ELSE 0 END), 0)
				+ (SELECT COALESCE(SUM(amount_paise), 0) FROM testgateway_refunds)
		FROM testgateway_charges WHERE succeeded`).Scan(&charged, &refunded)
	return charged, refunded, mapErr(err)
}

// InvoiceSeqs lists the numbers issued in each series and financial year,
// in order, keyed "INV 2026-27".
func (s *Store) InvoiceSeqs(ctx context.Context) (map[string][]int64, error) {
	rows, err := s.readRows(ctx, `SELECT series, financial_year, seq FROM invoices ORDER BY series, financial_year, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var series, year string
		var seq int64
		if err := rows.Scan(&series, &year, &seq); err != nil {
			return nil, mapErr(err)
		}
		out[series+" "+year] = append(out[series+" "+year], seq)
	}
	return out, rows.Err()
}

// CountInvoiceMismatches counts succeeded payments with no tax invoice, and
// invoices whose payment did not succeed.
func (s *Store) CountInvoiceMismatches(ctx context.Context) (uninvoiced, stray int, err error) {
	if err = s.readRow(ctx, `SELECT COUNT(*) FROM payments p WHERE p.status = 'succeeded'
		AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.payment_id = p.id AND i.series = 'INV')`).Scan(&uninvoiced); err != nil {
		return 0, 0, mapErr(err)
	}
	err = s.readRow(ctx, `SELECT COUNT(*) FROM invoices i JOIN payments p ON p.id = i.payment_id
		WHERE i.series = 'INV' AND p.status <> 'succeeded'`).Scan(&stray)
	return uninvoiced, stray, mapErr(err)
}

// CountAllPendingPayments counts payments whose outcome is not recorded.
func (s *Store) CountAllPendingPayments(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payments WHERE status = 'pending'`).Scan(&n)
	return n, mapErr(err)
}

// AdminRefundTotal sums the refunds admins made that went through.
func (s *Store) AdminRefundTotal(ctx context.Context) (int64, error) {
	var n int64
	err := s.readRow(ctx, `SELECT COALESCE(SUM(amount_paise), 0) FROM refunds WHERE status = 'succeeded'`).Scan(&n)
	return n, mapErr(err)
}
