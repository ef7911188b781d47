package stripepay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
)

// StartCheckout opens a Stripe Checkout page for the first term. The
// payment is made with setup_future_usage=off_session and a Customer is
// always created, so the card is saved where renewals can charge it. The
// request's key is Stripe's idempotency key: the same key again returns
// the same session, as long as it is asked within Stripe's 24 hours.
func (g *Gateway) StartCheckout(ctx context.Context, c billing.CheckoutRequest) (*billing.CheckoutPage, error) {
	if c.Key == "" {
		return nil, errors.New("stripe: a checkout needs an idempotency key")
	}
	if c.Amount <= 0 {
		return nil, fmt.Errorf("stripe: checkout amount %d is not positive", c.Amount)
	}
	name := c.Description
	if name == "" {
		name = "Subscription"
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String(string(stripe.CheckoutSessionModePayment)),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(currency(c.Currency)),
				UnitAmount:  stripe.Int64(int64(c.Amount)),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
		}},
		CustomerCreation: stripe.String(string(stripe.CheckoutSessionCustomerCreationAlways)),
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			SetupFutureUsage: stripe.String(string(stripe.PaymentIntentSetupFutureUsageOffSession)),
			Metadata:         map[string]string{keyField: c.Key},
		},
		Metadata:          map[string]string{keyField: c.Key},
		ClientReferenceID: stripe.String(strconv.FormatInt(c.AccountID, 10)),
		SuccessURL:        stripe.String(c.ReturnURL),
	}
	if c.Email != "" {
		params.CustomerEmail = stripe.String(c.Email)
	}
	if c.CancelURL != "" {
		params.CancelURL = stripe.String(c.CancelURL)
	}
	if !c.ExpiresAt.IsZero() {
		if expiry, ok := checkoutExpiry(c.ExpiresAt, g.now()); ok {
			params.ExpiresAt = stripe.Int64(expiry.Unix())
		}
	}
	params.SetIdempotencyKey(c.Key)
	session, err := g.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("stripe: creating checkout session: %w", err)
	}
	return &billing.CheckoutPage{URL: session.URL, Ref: session.ID}, nil
}

// Stripe takes a checkout's expires_at between 30 minutes and 24 hours
// after the request; expiryMargin keeps a little clear of the least for
// the request's journey and clocks that differ.
const (
	minExpiry    = 30 * time.Minute
	maxExpiry    = 24 * time.Hour
	expiryMargin = time.Minute
	// expiryStep is how far an expiry too soon is moved at a time. Moving
	// by whole steps from the asked time, rather than to now plus the
	// least, gives a retry of the same checkout the same expires_at, which
	// Stripe's idempotency requires of a retry.
	expiryStep = 30 * time.Minute
)

// checkoutExpiry brings asked within Stripe's bounds seen from now. One too
// soon moves later by whole steps: an expiry 30 minutes after the checkout
// began becomes 60 minutes after it, for every retry in the first 29
// minutes. One later than Stripe allows gives ok false: the session is
// left to Stripe's default, its longest, 24 hours, the same on a retry.
func checkoutExpiry(asked, now time.Time) (t time.Time, ok bool) {
	if asked.After(now.Add(maxExpiry - expiryMargin)) {
		return time.Time{}, false
	}
	if earliest := now.Add(minExpiry + expiryMargin); asked.Before(earliest) {
		steps := (earliest.Sub(asked) + expiryStep - 1) / expiryStep
		asked = asked.Add(steps * expiryStep)
	}
	return asked, true
}

// currency is the request's currency as Stripe spells it; plans are priced
// in rupees when none is named.
func currency(c string) string {
	if c == "" {
		return "inr"
	}
	return strings.ToLower(c)
}
