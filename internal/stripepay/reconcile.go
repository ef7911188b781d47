package stripepay

import (
	"context"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// Payments lists the PaymentIntents created since the given time for
// reconciliation, with the charge that took each one's money (for what
// was refunded of it). Stripe lists newest first, and the client follows
// the pages with starting_after, a cursor that payments made meanwhile do
// not move. Each intent of ours carries our key in its metadata; one
// without is not ours.
func (g *Gateway) Payments(ctx context.Context, since time.Time) ([]billing.ProviderPayment, error) {
	params := &stripe.PaymentIntentListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	params.Limit = stripe.Int64(100)
	params.AddExpand("data.latest_charge")
	var out []billing.ProviderPayment
	for pi, err := range g.client.V1PaymentIntents.List(ctx, params).All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: listing payment intents: %w", err)
		}
		if pi == nil {
			continue
		}
		p := billing.ProviderPayment{
			Ref: pi.ID, Key: pi.Metadata[keyField], Amount: money.Paise(pi.Amount), Currency: string(pi.Currency),
			Status: listedStatus(pi), CreatedAt: time.Unix(pi.Created, 0).UTC(),
		}
		if p.Status == billing.ProviderSucceeded && pi.AmountReceived > 0 {
			p.Amount = money.Paise(pi.AmountReceived)
		}
		if c := pi.LatestCharge; c != nil && p.Status == billing.ProviderSucceeded {
			p.Refunded = money.Paise(c.AmountRefunded)
		}
		out = append(out, p)
	}
	return out, nil
}

// listedStatus reads a listed intent's status as Lookup reads it: a
// decline on a checkout's intent is not the end while its page is open,
// so it is pending until Stripe cancels the intent when the page expires.
func listedStatus(pi *stripe.PaymentIntent) string {
	checkout := pi.SetupFutureUsage == stripe.PaymentIntentSetupFutureUsageOffSession
	res, settled := intentOutcome(pi, !checkout)
	switch {
	case res.Succeeded:
		return billing.ProviderSucceeded
	case !settled, checkout && pi.Status != stripe.PaymentIntentStatusCanceled:
		return billing.ProviderPending
	}
	return billing.ProviderFailed
}
