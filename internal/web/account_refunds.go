package web

import (
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// refundLine is money given back of a payment as the reader sees it: each
// refund has its credit note, which says the amount and the day.
type refundLine struct {
	Amount string
	Date   string
	Number string
	Path   string
}

// addRefunds lists the payment's refunds from its credit notes, and says
// in its status whether they gave back all of it or part.
func (row *paymentRow) addRefunds(p *billing.Payment, notes []*billing.Invoice, loc *time.Location) {
	var credited money.Paise
	for _, n := range notes {
		credited += n.Total
		row.Refunds = append(row.Refunds, refundLine{
			Amount: n.Total.String(), Date: n.IssuedAt.In(loc).Format(dayLayout), Number: n.Number, Path: billing.InvoicePath(n.ID),
		})
	}
	switch {
	case credited == 0:
	case credited >= p.Amount:
		row.Status = "Refunded"
	default:
		row.Status = "Paid, " + credited.String() + " refunded"
	}
}
