package razorpay

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// maxPaymentPages bounds a listing of payments: 100 pages of 100, far
// more than a publication takes in reconciliation's window.
const maxPaymentPages = 100

// PaymentsBetween lists the payments created from from to to, both
// included, failed ones too (GET /v1/payments?from=&to=), newest first as
// Razorpay lists them. A payment made while the pages are read is after
// to, so it moves no other from one page to the next.
func (c *Client) PaymentsBetween(ctx context.Context, from, to time.Time) ([]Payment, error) {
	q := url.Values{"from": {strconv.FormatInt(from.Unix(), 10)}, "to": {strconv.FormatInt(to.Unix(), 10)}}
	listed, err := listUpTo[Payment](ctx, c, "/v1/payments", q, maxPaymentPages)
	if err != nil {
		return nil, err
	}
	// Within one second of to, a payment made meanwhile can still move
	// one to the next page, where it is listed again.
	seen := make(map[string]bool, len(listed))
	out := listed[:0]
	for _, p := range listed {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// Payments lists Razorpay's payments since the given time for
// reconciliation. Each carries our key in its notes (the hosted checkout's
// form and the recurring charge write it there), or else in its order's
// notes, if the order's receipt is the key's; a payment with neither is
// not ours.
func (g *Gateway) Payments(ctx context.Context, since time.Time) ([]billing.ProviderPayment, error) {
	payments, err := g.c.PaymentsBetween(ctx, since, g.now())
	if err != nil {
		return nil, err
	}
	orders := map[string]*Order{} // read once however many payments an order has
	out := make([]billing.ProviderPayment, 0, len(payments))
	for i := range payments {
		p := &payments[i]
		key, err := g.keyOf(ctx, p, orders)
		if err != nil {
			return nil, err
		}
		out = append(out, billing.ProviderPayment{
			Ref: p.ID, Key: key, Amount: money.Paise(p.Amount), Currency: p.Currency, Status: providerStatus(p.Status),
			Refunded: money.Paise(p.AmountRefunded), CreatedAt: time.Unix(p.CreatedAt, 0).UTC(),
		})
	}
	return out, nil
}

// keyOf is the idempotency key a payment was made under, "" if none.
func (g *Gateway) keyOf(ctx context.Context, p *Payment, orders map[string]*Order) (string, error) {
	if key := p.Notes[NoteKey]; key != "" {
		return key, nil
	}
	if p.OrderID == "" {
		return "", nil
	}
	o, read := orders[p.OrderID]
	if !read {
		var err error
		o, err = g.c.FetchOrder(ctx, p.OrderID)
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.Refused() {
			o, err = nil, nil // an order Razorpay does not show us is not ours
		}
		if err != nil {
			return "", err
		}
		orders[p.OrderID] = o
	}
	if o == nil || o.Notes[NoteKey] == "" || o.Receipt != Receipt(o.Notes[NoteKey]) {
		return "", nil
	}
	return o.Notes[NoteKey], nil
}

// providerStatus reads a payment's status: captured money is taken,
// refunded since or not; an authorized payment is not yet.
func providerStatus(status string) string {
	switch status {
	case PaymentCaptured, PaymentRefunded:
		return billing.ProviderSucceeded
	case PaymentFailed:
		return billing.ProviderFailed
	}
	return billing.ProviderPending
}
