package web

import (
	"errors"
	"net/http"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/gst"
	"broadsheet/internal/invoicepdf"
)

// noticeBillingSaved follows saved billing details.
const noticeBillingSaved = "billing_saved"

// billingData is the account page's billing details form and the list of
// the reader's payments with their invoices.
type billingData struct {
	Details      billing.BillingDetails
	States       []gst.State
	DetailsError string
	Payments     []paymentRow
}

// paymentRow is one payment as the reader sees it.
type paymentRow struct {
	Date     string
	What     string
	Amount   string
	Status   string
	Invoices []invoiceLink // its tax invoice
	Refunds  []refundLine  // what was given back of it (account_refunds.go)
}

type invoiceLink struct {
	Kind   string // "Tax invoice" or "Credit note"
	Number string
	Path   string
}

var paymentStatusText = map[string]string{
	billing.PaymentPending:   "Being processed",
	billing.PaymentSucceeded: "Paid",
	billing.PaymentFailed:    "Not charged",
	billing.PaymentRefunded:  "Refunded",
}

// fillBilling reads the reader's billing details, unless the page shows
// them as just submitted, and their payments.
func (s *Server) fillBilling(r *http.Request, v *viewer, d *billingData, loc *time.Location) error {
	ctx := r.Context()
	d.States = gst.States
	if d.DetailsError == "" {
		details, err := s.Billing.BillingDetails(ctx, v.Account.ID)
		if err != nil {
			return err
		}
		d.Details = details
	}
	history, err := s.Billing.PaymentHistory(ctx, v.Account.ID)
	if err != nil {
		return err
	}
	for _, h := range history {
		p := h.Payment
		row := paymentRow{Date: p.CreatedAt.In(loc).Format(dayLayout), Amount: p.Amount.String(), Status: paymentStatusText[p.Status]}
		switch {
		case h.Invoice != nil:
			row.What = h.Invoice.Description + " (" + h.Invoice.Term() + ")"
		case p.Purpose == billing.PurposeRenewal:
			row.What = "Renewal"
		default:
			row.What = "Subscription"
		}
		if row.Status == "" {
			row.Status = p.Status
		}
		if inv := h.Invoice; inv != nil {
			row.Invoices = append(row.Invoices, invoiceLink{Kind: "Tax invoice", Number: inv.Number, Path: billing.InvoicePath(inv.ID)})
		}
		row.addRefunds(p, h.CreditNotes, loc)
		d.Payments = append(d.Payments, row)
	}
	return nil
}

// submitBillingDetails saves what the reader wants on their invoices; a
// refused value shows the page again with the form as submitted, and
// nothing is saved.
func (s *Server) submitBillingDetails(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	details := billing.BillingDetails{Name: r.PostForm.Get("name"), State: r.PostForm.Get("state"), GSTIN: r.PostForm.Get("gstin")}
	_, err = s.Billing.SaveBillingDetails(r.Context(), v.Account.ID, details)
	var refused *billing.BillingDetailsError
	if errors.As(err, &refused) {
		return s.renderAccountWith(w, r, v, http.StatusUnprocessableEntity, "", billingData{Details: details, DetailsError: refused.Reason})
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeBillingSaved)
	http.Redirect(w, r, "/account#billing", http.StatusSeeOther)
	return nil
}

// showInvoicePDF sends one of the reader's invoices or credit notes as a
// PDF. Anyone else's, like one that does not exist, is not found.
func (s *Server) showInvoicePDF(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	id, ok := invoicepdf.IDFromFileName(r.PathValue("file"))
	if !ok {
		return notFound()
	}
	inv, err := s.Billing.Invoice(r.Context(), v.Account.ID, id)
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	return invoicepdf.Serve(w, r, inv, s.Settings.Get().Location)
}
