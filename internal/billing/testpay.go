package billing

import (
	"context"
	"errors"
	"fmt"

	"broadsheet/internal/dberr"
)

// ErrCheckoutClosed: the checkout can no longer be paid on its page; it
// was paid, declined, replaced by a newer one, or expired.
var ErrCheckoutClosed = errors.New("this checkout is closed: it was paid, declined, replaced by a newer one or expired; nothing more was charged")

// TestCheckout is the open checkout the test gateway's page shows: its
// payment and plan. ErrUnknownCheckout when the test gateway does not
// serve checkouts here or has none under key.
func (s *Service) TestCheckout(ctx context.Context, key string) (*Payment, *Plan, error) {
	if s.Gateway.Name() != testGatewayName {
		return nil, nil, ErrUnknownCheckout
	}
	p, err := s.Store.PaymentByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) || (err == nil && (p.Purpose != PurposeCheckout || p.Gateway != s.Gateway.Name())) {
		return nil, nil, ErrUnknownCheckout
	}
	if err != nil {
		return nil, nil, err
	}
	plan, err := s.Store.PlanByID(ctx, p.PlanID)
	if err != nil {
		return nil, nil, err
	}
	return p, plan, nil
}

// PayTestCheckout pays the checkout under key with a card, as the reader
// does on the test gateway's page: a card the gateway refuses gives a
// *DeclineError and the page stays open for another; otherwise the charge
// is made, once however often the page is sent, and its outcome waits
// for CompleteCheckout.
func (s *Service) PayTestCheckout(ctx context.Context, key string, card Card) error {
	p, _, err := s.TestCheckout(ctx, key)
	if err != nil {
		return err
	}
	if p.Status != PaymentPending || !s.Now().Before(p.CreatedAt.Add(CheckoutPageLifetime)) {
		return ErrCheckoutClosed
	}
	method, err := saveTestCard(card, s.Now())
	if err != nil {
		return err
	}
	// Once the reader pressed Pay, the charge is seen through.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkoutChargeTimeout)
	defer cancel()
	if _, err := s.Gateway.Charge(ctx, Charge{IdempotencyKey: key, Token: method.Token, Amount: p.Amount, Currency: p.Currency}); err != nil {
		return fmt.Errorf("%w: %w", ErrPaymentInProgress, err)
	}
	return nil
}
