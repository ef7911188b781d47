package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/gst"
	"broadsheet/internal/money"
)

// Invoice series: each numbers its documents from 1 in every financial year.
const (
	SeriesInvoice    = "INV"
	SeriesCreditNote = "CN"
)

// InvoiceNumber writes a document's number: INV/2026-27/000123.
func InvoiceNumber(series, financialYear string, seq int64) string {
	return fmt.Sprintf("%s/%s/%06d", series, financialYear, seq)
}

// InvoicePath is where the account page serves an invoice or credit note
// as a PDF, to its owner alone.
func InvoicePath(id int64) string { return "/account/invoices/" + strconv.FormatInt(id, 10) + ".pdf" }

// Party is one side of an invoice as printed.
type Party struct {
	Name    string
	Address string // the supplier's; readers give none
	Email   string // the reader's
	GSTIN   string // "" for an unregistered reader
	State   string // GST state code; "" if the reader gave none
}

// Invoice is a tax invoice for a payment, or a credit note (Series
// SeriesCreditNote) for money a refund gave back of one. Every field is
// what was printed when it was issued.
type Invoice struct {
	ID            int64
	Series        string
	FinancialYear string // 2026-27
	Seq           int64
	Number        string
	AccountID     int64
	PaymentID     int64
	// CreditsInvoiceID, CreditsNumber and RefundRef: a credit note's
	// invoice, that invoice's number, and the refund.
	CreditsInvoiceID int64
	CreditsNumber    string
	RefundRef        string
	IssuedAt         time.Time
	Supplier         Party
	Recipient        Party
	SAC              string
	Description      string // the plan's name
	TermMonths       int
	PeriodStart      time.Time
	PeriodEnd        time.Time
	RatePercent      int
	Total            money.Paise // tax included
	Tax              gst.Breakdown
	// Credited is what credit notes have given back of an invoice so far,
	// and CreditedTax their split; read with the invoice, never stored.
	Credited    money.Paise
	CreditedTax gst.Breakdown
}

// IsCreditNote reports whether the document is a credit note.
func (inv *Invoice) IsCreditNote() bool { return inv.Series == SeriesCreditNote }

// Term names the plan's term as the offer page does ("1 Year").
func (inv *Invoice) Term() string { return Plan{TermMonths: inv.TermMonths}.TermLabel() }

// InvoiceStore is what invoices need from the database outside a
// transaction.
type InvoiceStore interface {
	// BillingDetails returns the account's billing details, empty if it
	// never gave any.
	BillingDetails(ctx context.Context, accountID int64) (BillingDetails, error)
	SaveBillingDetails(ctx context.Context, accountID int64, d BillingDetails, now time.Time) error
	// PaymentsOf lists the account's payments, newest first.
	PaymentsOf(ctx context.Context, accountID int64) ([]*Payment, error)
	// InvoicesOf lists the account's invoices and credit notes, newest first.
	InvoicesOf(ctx context.Context, accountID int64) ([]*Invoice, error)
	// InvoiceOf finds one of the account's invoices or credit notes:
	// ErrNotFound for any other account's.
	InvoiceOf(ctx context.Context, accountID, id int64) (*Invoice, error)
	// InvoiceForPayment finds the tax invoice of a payment.
	InvoiceForPayment(ctx context.Context, paymentID int64) (*Invoice, error)
}

// PaymentRecord is one payment as the reader's account lists it, with the
// invoice and credit notes issued for it.
type PaymentRecord struct {
	Payment     *Payment
	Invoice     *Invoice
	CreditNotes []*Invoice
}

// PaymentHistory lists the account's payments, newest first, each with its
// tax invoice (once paid) and credit notes.
func (s *Service) PaymentHistory(ctx context.Context, accountID int64) ([]PaymentRecord, error) {
	payments, err := s.Store.PaymentsOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	invoices, err := s.Store.InvoicesOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]PaymentRecord, len(payments))
	at := make(map[int64]int, len(payments))
	for i, p := range payments {
		out[i].Payment, at[p.ID] = p, i
	}
	for _, inv := range invoices {
		i, ok := at[inv.PaymentID]
		switch {
		case !ok:
		case inv.IsCreditNote():
			out[i].CreditNotes = append(out[i].CreditNotes, inv)
		default:
			out[i].Invoice = inv
		}
	}
	return out, nil
}

// Invoice returns one of the account's invoices or credit notes;
// dberr.ErrNotFound for one that is not theirs, as for one that does not
// exist.
func (s *Service) Invoice(ctx context.Context, accountID, id int64) (*Invoice, error) {
	return s.Store.InvoiceOf(ctx, accountID, id)
}

// taxProfile is the publisher's tax profile now; without one (a service
// built without it) invoices name no supplier and charge no GST.
func (s *Service) taxProfile() gst.Profile {
	if s.TaxProfile == nil {
		return gst.Profile{}
	}
	return s.TaxProfile()
}

// issueInvoice issues the tax invoice of the payment that paid for term, in
// the transaction that records the payment as succeeded, so that a
// payment rolled back takes no number. It copies in the publisher's tax
// profile, the reader's billing details and the plan as they are now.
func (s *Service) issueInvoice(ctx context.Context, tx Tx, accountID int64, term *Term, now time.Time) error {
	plan, err := tx.PlanByID(ctx, term.PlanID)
	if err != nil {
		return err
	}
	recipient, err := tx.InvoiceRecipient(ctx, accountID)
	if err != nil {
		return err
	}
	profile := s.taxProfile()
	return tx.IssueInvoice(ctx, &Invoice{
		Series: SeriesInvoice, FinancialYear: gst.FinancialYearLabel(gst.FinancialYear(now, s.Location())),
		AccountID: accountID, PaymentID: term.PaymentID, IssuedAt: now,
		Supplier:  Party{Name: profile.LegalName, Address: profile.Address, GSTIN: profile.GSTIN, State: profile.State},
		Recipient: recipient, SAC: profile.SAC, Description: plan.Name, TermMonths: plan.TermMonths,
		PeriodStart: term.StartsAt, PeriodEnd: term.EndsAt, RatePercent: profile.RatePercent, Total: term.Amount,
		Tax: gst.Split(term.Amount, profile.RatePercent, profile.IntraState(recipient.State)),
	})
}

// ErrCreditExceedsInvoice: a credit note would give back more than is
// left of its invoice.
var ErrCreditExceedsInvoice = errors.New("a credit note cannot give back more than is left of its invoice")

// IssueCreditNote issues the credit note for amount of a payment given back
// by the refund refundRef, inside the refund's transaction, so that a
// refund rolled back takes no number. It is numbered in its own series
// (CN/2026-27/000001), names the parties, plan and rate of the payment's
// invoice, and splits its amount as the invoice was split; the note that
// gives back the rest of an invoice takes the rest of each part, so that
// the notes add up to the invoice to the paisa. dberr.ErrNotFound if the
// payment has no invoice; the same refund again is refused with
// dberr.ErrConflict.
func (s *Service) IssueCreditNote(ctx context.Context, tx Tx, paymentID int64, amount money.Paise, refundRef string, now time.Time) (*Invoice, error) {
	if refundRef == "" {
		return nil, errors.New("a credit note names the refund it is for")
	}
	inv, err := tx.InvoiceForPayment(ctx, paymentID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, fmt.Errorf("payment %d has no tax invoice to credit: %w", paymentID, err)
	}
	if err != nil {
		return nil, err
	}
	left := inv.Total - inv.Credited
	if amount <= 0 || amount > left {
		return nil, fmt.Errorf("%w: %s asked, %s left of %s", ErrCreditExceedsInvoice, amount, left, inv.Number)
	}
	tax := gst.Split(amount, inv.RatePercent, gst.Profile{State: inv.Supplier.State}.IntraState(inv.Recipient.State))
	if amount == left {
		tax = gst.Breakdown{
			Taxable: inv.Tax.Taxable - inv.CreditedTax.Taxable, CGST: inv.Tax.CGST - inv.CreditedTax.CGST,
			SGST: inv.Tax.SGST - inv.CreditedTax.SGST, IGST: inv.Tax.IGST - inv.CreditedTax.IGST,
		}
	}
	note := *inv
	note.ID, note.Seq, note.Number = 0, 0, ""
	note.Series, note.FinancialYear = SeriesCreditNote, gst.FinancialYearLabel(gst.FinancialYear(now, s.Location()))
	note.CreditsInvoiceID, note.CreditsNumber, note.RefundRef, note.IssuedAt = inv.ID, inv.Number, refundRef, now.UTC()
	note.Total, note.Tax, note.Credited, note.CreditedTax = amount, tax, 0, gst.Breakdown{}
	if err := tx.IssueInvoice(ctx, &note); err != nil {
		return nil, err
	}
	return &note, nil
}

// invoiceLine is the receipt's link to the payment's tax invoice, or
// nothing for a payment made before invoices were issued.
func (s *Service) invoiceLine(ctx context.Context, paymentID int64) (string, error) {
	inv, err := s.Store.InvoiceForPayment(ctx, paymentID)
	if errors.Is(err, dberr.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return "\n\nYour tax invoice " + inv.Number + ": " + s.BaseURL + InvoicePath(inv.ID), nil
}
