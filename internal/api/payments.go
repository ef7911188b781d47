package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/invoicepdf"
	"broadsheet/internal/money"
)

// invoicesPath is where the API serves the signed-in reader's invoices and
// credit notes as PDFs: invoicesPath + "123.pdf".
const invoicesPath = "/api/v1/me/invoices/"

// documentJSON is a tax invoice or credit note as apps see it.
type documentJSON struct {
	ID           int64       `json:"id"`
	Number       string      `json:"number"`
	TotalPaise   money.Paise `json:"total_paise"`
	TotalDisplay string      `json:"total_display"`
	IssuedAt     string      `json:"issued_at"`
	PDFURL       string      `json:"pdf_url"`
}

// refundJSON is money given back of a payment: each refund has its credit
// note, which says the amount and the day, as on the account page.
type refundJSON struct {
	AmountPaise   money.Paise  `json:"amount_paise"`
	AmountDisplay string       `json:"amount_display"`
	Date          string       `json:"date"`
	CreditNote    documentJSON `json:"credit_note"`
}

// paymentJSON is one payment as the account page lists it.
type paymentJSON struct {
	ID              int64         `json:"id"`
	Purpose         string        `json:"purpose"`
	What            string        `json:"what"`
	AmountPaise     money.Paise   `json:"amount_paise"`
	AmountDisplay   string        `json:"amount_display"`
	Currency        string        `json:"currency"`
	Status          string        `json:"status"`
	Date            string        `json:"date"`
	Invoice         *documentJSON `json:"invoice"`
	Refunds         []refundJSON  `json:"refunds"`
	RefundedPaise   money.Paise   `json:"refunded_paise"`
	RefundedDisplay string        `json:"refunded_display"`
}

func (s *Server) documentOf(inv *billing.Invoice) documentJSON {
	return documentJSON{
		ID:           inv.ID,
		Number:       inv.Number,
		TotalPaise:   inv.Total,
		TotalDisplay: inv.Total.String(),
		IssuedAt:     inv.IssuedAt.UTC().Format(time.RFC3339),
		PDFURL:       s.BaseURL + invoicesPath + strconv.FormatInt(inv.ID, 10) + ".pdf",
	}
}

// listPayments lists the signed-in reader's payments, newest first, each
// with its tax invoice and its refunds' credit notes: what /account shows.
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireAccount(r)
	if err != nil {
		return err
	}
	history, err := s.Billing.PaymentHistory(r.Context(), v.Account.ID)
	if err != nil {
		return err
	}
	out := make([]paymentJSON, 0, len(history))
	for _, h := range history {
		p := h.Payment
		row := paymentJSON{
			ID:            p.ID,
			Purpose:       p.Purpose,
			AmountPaise:   p.Amount,
			AmountDisplay: p.Amount.String(),
			Currency:      p.Currency,
			Status:        p.Status,
			Date:          p.CreatedAt.UTC().Format(time.RFC3339),
			Refunds:       []refundJSON{},
		}
		switch {
		case h.Invoice != nil:
			row.What = h.Invoice.Description + " (" + h.Invoice.Term() + ")"
		case p.Purpose == billing.PurposeRenewal:
			row.What = "Renewal"
		default:
			row.What = "Subscription"
		}
		if h.Invoice != nil {
			doc := s.documentOf(h.Invoice)
			row.Invoice = &doc
		}
		for _, n := range h.CreditNotes {
			row.RefundedPaise += n.Total
			row.Refunds = append(row.Refunds, refundJSON{
				AmountPaise:   n.Total,
				AmountDisplay: n.Total.String(),
				Date:          n.IssuedAt.UTC().Format(time.RFC3339),
				CreditNote:    s.documentOf(n),
			})
		}
		row.RefundedDisplay = row.RefundedPaise.String()
		out = append(out, row)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"payments": out})
}

// showInvoicePDF sends one of the signed-in reader's invoices or credit
// notes as the PDF the account page serves. Anyone else's is not found,
// exactly like one that does not exist, so ids reveal nothing.
func (s *Server) showInvoicePDF(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireAccount(r)
	if err != nil {
		return err
	}
	const missing = "no such invoice or credit note"
	id, ok := invoicepdf.IDFromFileName(r.PathValue("file"))
	if !ok {
		return notFound(missing)
	}
	inv, err := s.Billing.Invoice(r.Context(), v.Account.ID, id)
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound(missing)
	}
	if err != nil {
		return err
	}
	return invoicepdf.Serve(w, r, inv, s.Settings.Get().Location)
}
