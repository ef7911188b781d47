package stripepay

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
)

// setupExpired is the failure of a setup page that closed before the
// reader saved a payment method.
const setupExpired = "The page expired before a payment method was saved."

// StartSetup opens a Stripe Checkout page in setup mode, which saves a
// payment method for off-session use without charging it. The method is
// saved with the Customer of the one it replaces when there is one, or
// with a new Customer. The setup's key is Stripe's idempotency key and is
// written on the session and its SetupIntent, as on a checkout's.
func (g *Gateway) StartSetup(ctx context.Context, r billing.SetupRequest) (*billing.CheckoutPage, error) {
	if r.Key == "" {
		return nil, errors.New("stripe: a setup needs an idempotency key")
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:     stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Currency: stripe.String(currency(r.Currency)),
		SetupIntentData: &stripe.CheckoutSessionCreateSetupIntentDataParams{
			Metadata: map[string]string{keyField: r.Key},
		},
		Metadata:          map[string]string{keyField: r.Key},
		ClientReferenceID: stripe.String(strconv.FormatInt(r.AccountID, 10)),
		SuccessURL:        stripe.String(r.ReturnURL),
	}
	if r.Description != "" {
		params.SetupIntentData.Description = stripe.String(r.Description)
	}
	if customer, _, ok := parseToken(r.Replaces); ok {
		params.Customer = stripe.String(customer)
	} else {
		params.CustomerCreation = stripe.String(string(stripe.CheckoutSessionCustomerCreationAlways))
		if r.Email != "" {
			params.CustomerEmail = stripe.String(r.Email)
		}
	}
	if r.CancelURL != "" {
		params.CancelURL = stripe.String(r.CancelURL)
	}
	if !r.ExpiresAt.IsZero() {
		if expiry, ok := checkoutExpiry(r.ExpiresAt, g.now()); ok {
			params.ExpiresAt = stripe.Int64(expiry.Unix())
		}
	}
	params.SetIdempotencyKey(r.Key)
	session, err := g.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("stripe: creating setup session: %w", err)
	}
	return &billing.CheckoutPage{URL: session.URL, Ref: session.ID}, nil
}

// lookupSetupSession reads a setup-mode checkout session with its
// SetupIntent and the payment method it saved. A completed session whose
// intent succeeded is a success, carrying the method; an expired one a
// failure; any other is not finished yet.
func (g *Gateway) lookupSetupSession(ctx context.Context, ref string) (billing.ChargeResult, bool, error) {
	params := &stripe.CheckoutSessionRetrieveParams{}
	params.AddExpand("setup_intent")
	params.AddExpand("setup_intent.payment_method")
	s, err := g.client.V1CheckoutSessions.Retrieve(ctx, ref, params)
	if err != nil {
		return billing.ChargeResult{}, false, fmt.Errorf("stripe: retrieving setup session %s: %w", ref, err)
	}
	si := s.SetupIntent
	switch {
	case s.Status == stripe.CheckoutSessionStatusComplete && si != nil && si.Status == stripe.SetupIntentStatusSucceeded:
		res := billing.ChargeResult{Succeeded: true, Reference: si.ID}
		res.Method = methodOf(si.PaymentMethod, s.Customer, si.Customer)
		if res.Method == nil {
			res.Succeeded, res.Failure = false, "Stripe saved no payment method that renewals can charge."
		}
		return res, true, nil
	case s.Status == stripe.CheckoutSessionStatusExpired:
		res := billing.ChargeResult{Failure: setupExpired}
		if si != nil {
			res.Reference = si.ID
		}
		return res, true, nil
	}
	return billing.ChargeResult{}, false, nil
}
