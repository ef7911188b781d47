package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/gst"
	"broadsheet/internal/money"
)

// Invoices and credit notes (see migration 0019): numbered from a counter
// row per series and financial year inside the transaction that records
// the payment or refund, and copied whole when issued.

// IssueInvoice takes the next number of the invoice's series and
// financial year and records the invoice. The upsert holds the counter's
// row until the transaction ends: a concurrent issue, on any instance,
// waits and then counts on from the committed value, and a transaction
// rolled back gives its number back. SQLite's write transaction holds the
// whole database already.
func (t *Tx) IssueInvoice(ctx context.Context, inv *billing.Invoice) error {
	var seq int64
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO invoice_counters (series, financial_year, last_seq) VALUES ($1, $2, 1)
		ON CONFLICT (series, financial_year) DO UPDATE SET last_seq = invoice_counters.last_seq + 1
		RETURNING last_seq`, inv.Series, inv.FinancialYear).Scan(&seq); err != nil {
		return mapErr(err)
	}
	number := billing.InvoiceNumber(inv.Series, inv.FinancialYear, seq)
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO invoices (series, financial_year, seq, number, account_id, payment_id,
			credits_invoice_id, refund_ref, issued_at, supplier_name, supplier_address, supplier_gstin, supplier_state,
			recipient_name, recipient_email, recipient_state, recipient_gstin, sac, description, term_months,
			period_start, period_end, rate_percent, total_paise, taxable_paise, cgst_paise, sgst_paise, igst_paise)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			$21, $22, $23, $24, $25, $26, $27, $28) RETURNING id`,
		inv.Series, inv.FinancialYear, seq, number, inv.AccountID, inv.PaymentID,
		nullID(inv.CreditsInvoiceID), inv.RefundRef, inv.IssuedAt.UTC(), inv.Supplier.Name, inv.Supplier.Address,
		inv.Supplier.GSTIN, inv.Supplier.State, inv.Recipient.Name, inv.Recipient.Email, inv.Recipient.State,
		inv.Recipient.GSTIN, inv.SAC, inv.Description, inv.TermMonths, inv.PeriodStart.UTC(), inv.PeriodEnd.UTC(),
		inv.RatePercent, int64(inv.Total), int64(inv.Tax.Taxable), int64(inv.Tax.CGST), int64(inv.Tax.SGST),
		int64(inv.Tax.IGST)).Scan(&id)
	if err != nil {
		return mapErr(err)
	}
	inv.ID, inv.Seq, inv.Number = id, seq, number
	return nil
}

const invoiceColumns = `id, series, financial_year, seq, number, account_id, payment_id, COALESCE(credits_invoice_id, 0),
	COALESCE((SELECT o.number FROM invoices o WHERE o.id = invoices.credits_invoice_id), ''), refund_ref, issued_at, supplier_name, supplier_address, supplier_gstin, supplier_state, recipient_name,
	recipient_email, recipient_state, recipient_gstin, sac, description, term_months, period_start, period_end,
	rate_percent, total_paise, taxable_paise, cgst_paise, sgst_paise, igst_paise`

func scanInvoice(row interface{ Scan(...any) error }, extra ...any) (*billing.Invoice, error) {
	var inv billing.Invoice
	var total, taxable, cgst, sgst, igst int64
	dest := []any{&inv.ID, &inv.Series, &inv.FinancialYear, &inv.Seq, &inv.Number, &inv.AccountID, &inv.PaymentID,
		&inv.CreditsInvoiceID, &inv.CreditsNumber, &inv.RefundRef, &inv.IssuedAt, &inv.Supplier.Name, &inv.Supplier.Address,
		&inv.Supplier.GSTIN, &inv.Supplier.State, &inv.Recipient.Name, &inv.Recipient.Email, &inv.Recipient.State,
		&inv.Recipient.GSTIN, &inv.SAC, &inv.Description, &inv.TermMonths, &inv.PeriodStart, &inv.PeriodEnd,
		&inv.RatePercent, &total, &taxable, &cgst, &sgst, &igst}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, mapErr(err)
	}
	inv.Total = money.Paise(total)
	inv.Tax = gst.Breakdown{Taxable: money.Paise(taxable), CGST: money.Paise(cgst), SGST: money.Paise(sgst), IGST: money.Paise(igst)}
	inv.IssuedAt, inv.PeriodStart, inv.PeriodEnd = inv.IssuedAt.UTC(), inv.PeriodStart.UTC(), inv.PeriodEnd.UTC()
	return &inv, nil
}

// InvoiceForPayment finds a payment's tax invoice (not its credit notes).
func (s *Store) InvoiceForPayment(ctx context.Context, paymentID int64) (*billing.Invoice, error) {
	return scanInvoice(s.readRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE payment_id = $1 AND series = $2`,
		paymentID, billing.SeriesInvoice))
}

// InvoiceForPayment finds a payment's tax invoice inside the transaction,
// with the sums of the credit notes issued against it, so that a refund
// knows what is left to credit. The invoice's row is taken first, in a
// statement of its own: a refund of it in progress elsewhere is waited
// for, and the sums, read by the next statement in a newer snapshot,
// include its credit note.
func (t *Tx) InvoiceForPayment(ctx context.Context, paymentID int64) (*billing.Invoice, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, `SELECT id FROM invoices WHERE payment_id = $1 AND series = $2`+t.s.forUpdate(),
		paymentID, billing.SeriesInvoice).Scan(&id); err != nil {
		return nil, mapErr(err)
	}
	var credited, taxable, cgst, sgst, igst int64
	inv, err := scanInvoice(t.tx.QueryRowContext(ctx, `SELECT `+invoiceColumns+`,
			(SELECT COALESCE(SUM(c.total_paise), 0) FROM invoices c WHERE c.credits_invoice_id = invoices.id),
			(SELECT COALESCE(SUM(c.taxable_paise), 0) FROM invoices c WHERE c.credits_invoice_id = invoices.id),
			(SELECT COALESCE(SUM(c.cgst_paise), 0) FROM invoices c WHERE c.credits_invoice_id = invoices.id),
			(SELECT COALESCE(SUM(c.sgst_paise), 0) FROM invoices c WHERE c.credits_invoice_id = invoices.id),
			(SELECT COALESCE(SUM(c.igst_paise), 0) FROM invoices c WHERE c.credits_invoice_id = invoices.id)
		FROM invoices WHERE id = $1`, id),
		&credited, &taxable, &cgst, &sgst, &igst)
	if err != nil {
		return nil, err
	}
	inv.Credited = money.Paise(credited)
	inv.CreditedTax = gst.Breakdown{Taxable: money.Paise(taxable), CGST: money.Paise(cgst), SGST: money.Paise(sgst), IGST: money.Paise(igst)}
	return inv, nil
}

// InvoicesOf lists an account's invoices and credit notes, newest first.
func (s *Store) InvoicesOf(ctx context.Context, accountID int64) ([]*billing.Invoice, error) {
	rows, err := s.readRows(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*billing.Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// InvoiceOf finds an invoice or credit note of the account: another
// account's is not found, as one that does not exist.
func (s *Store) InvoiceOf(ctx context.Context, accountID, id int64) (*billing.Invoice, error) {
	return scanInvoice(s.readRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1 AND account_id = $2`, id, accountID))
}

// PaymentsOf lists an account's payments, newest first.
func (s *Store) PaymentsOf(ctx context.Context, accountID int64) ([]*billing.Payment, error) {
	rows, err := s.readRows(ctx, `SELECT `+paymentColumns+` FROM payments WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*billing.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// InvoiceRecipient reads the account's email and billing details, as its
// invoice names it, inside the transaction.
func (t *Tx) InvoiceRecipient(ctx context.Context, accountID int64) (billing.Party, error) {
	var p billing.Party
	err := t.tx.QueryRowContext(ctx, `SELECT a.email, COALESCE(d.name, ''), COALESCE(d.state, ''), COALESCE(d.gstin, '')
		FROM accounts a LEFT JOIN billing_details d ON d.account_id = a.id WHERE a.id = $1`, accountID).
		Scan(&p.Email, &p.Name, &p.State, &p.GSTIN)
	return p, mapErr(err)
}

// PlanByID reads a plan inside the transaction.
func (t *Tx) PlanByID(ctx context.Context, id int64) (*billing.Plan, error) {
	return scanPlan(t.tx.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
}

// BillingDetails returns the account's billing details, empty if it never
// gave any.
func (s *Store) BillingDetails(ctx context.Context, accountID int64) (billing.BillingDetails, error) {
	var d billing.BillingDetails
	err := s.readRow(ctx, `SELECT name, state, gstin FROM billing_details WHERE account_id = $1`, accountID).
		Scan(&d.Name, &d.State, &d.GSTIN)
	if errors.Is(err, sql.ErrNoRows) {
		return billing.BillingDetails{}, nil
	}
	return d, mapErr(err)
}

// SaveBillingDetails stores the account's billing details in place of any
// it had.
func (s *Store) SaveBillingDetails(ctx context.Context, accountID int64, d billing.BillingDetails, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO billing_details (account_id, name, state, gstin, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, state = excluded.state, gstin = excluded.gstin,
			updated_at = excluded.updated_at`, accountID, d.Name, d.State, d.GSTIN, now.UTC())
	return mapErr(err)
}
