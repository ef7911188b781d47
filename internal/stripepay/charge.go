package stripepay

import (
	"context"
	"errors"
	"fmt"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
)

// unusableMethod: the saved token is not one this gateway made, or Stripe
// no longer knows its Customer or payment method.
const unusableMethod = "The saved payment method can no longer be charged. Add a new card."

// Charge takes a renewal from the saved card: a PaymentIntent confirmed at
// once, off-session, under the charge's idempotency key, so that a retry
// returns the first attempt's outcome. A decline is a result; an error
// means the outcome is unknown (network, Stripe's own failure) and billing
// asks Lookup later.
func (g *Gateway) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	if c.IdempotencyKey == "" {
		return billing.ChargeResult{}, errors.New("stripe: a charge needs an idempotency key")
	}
	customer, method, ok := parseToken(c.Token)
	if !ok {
		return billing.ChargeResult{Failure: unusableMethod}, nil
	}
	params := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(int64(c.Amount)),
		Currency:      stripe.String(currency(c.Currency)),
		Customer:      stripe.String(customer),
		PaymentMethod: stripe.String(method),
		OffSession:    stripe.Bool(true),
		Confirm:       stripe.Bool(true),
		// Nobody is there to follow a redirect during a renewal.
		AutomaticPaymentMethods: &stripe.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled:        stripe.Bool(true),
			AllowRedirects: stripe.String(string(stripe.PaymentIntentAutomaticPaymentMethodsAllowRedirectsNever)),
		},
		Metadata: map[string]string{keyField: c.IdempotencyKey},
	}
	if c.Description != "" {
		params.Description = stripe.String(c.Description)
	}
	params.SetIdempotencyKey(c.IdempotencyKey)
	pi, err := g.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		if res, declined := declined(err); declined {
			return res, nil
		}
		return billing.ChargeResult{}, fmt.Errorf("stripe: charging %s: %w", c.IdempotencyKey, err)
	}
	res, settled := intentOutcome(pi, true)
	if !settled {
		return billing.ChargeResult{}, fmt.Errorf("stripe: payment intent %s for %s is %s", pi.ID, c.IdempotencyKey, pi.Status)
	}
	return res, nil
}

// declined reads a refusal Stripe answered a charge with: a card error
// (a decline, a bank that wants authentication), or a request naming a
// Customer or payment method Stripe no longer has. Anything else leaves the
// outcome unknown.
func declined(err error) (billing.ChargeResult, bool) {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return billing.ChargeResult{}, false
	}
	var res billing.ChargeResult
	if se.PaymentIntent != nil {
		res.Reference = se.PaymentIntent.ID
	}
	switch {
	case se.Type == stripe.ErrorTypeCard:
		res.Failure = declineMessage(se)
		if se.Code == stripe.ErrorCodeAuthenticationRequired && se.Msg == "" {
			res.Failure = needsAuthentication
		}
		return res, true
	case se.Type == stripe.ErrorTypeInvalidRequest && se.Code == stripe.ErrorCodeResourceMissing &&
		(se.Param == "customer" || se.Param == "payment_method"):
		res.Failure = unusableMethod
		return res, true
	}
	return billing.ChargeResult{}, false
}

// Refund gives back all or part of the payment intent reference under the
// refund's own idempotency key. Without a reference, the payment is found
// by its key, as Lookup finds a charge.
func (g *Gateway) Refund(ctx context.Context, r billing.RefundRequest) (string, error) {
	if r.RefundKey == "" {
		return "", errors.New("stripe: a refund needs an idempotency key")
	}
	ref := r.Reference
	if ref == "" {
		res, found, err := g.lookupCharge(ctx, r.Key)
		if err != nil {
			return "", err
		}
		if !found || !res.Succeeded {
			return "", fmt.Errorf("stripe: no successful payment under %q to refund", r.Key)
		}
		ref = res.Reference
	}
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(ref)}
	if r.Key != "" {
		params.Metadata = map[string]string{keyField: r.Key}
	}
	if r.Amount > 0 {
		params.Amount = stripe.Int64(int64(r.Amount))
	}
	params.SetIdempotencyKey(r.RefundKey)
	refund, err := g.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: refunding %s: %w", ref, err)
	}
	return refund.ID, nil
}
