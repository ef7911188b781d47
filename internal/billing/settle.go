package billing

import (
	"context"
	"errors"
)

// SettleJob is the kind of job that settles a payment from what the
// provider says of it: after a webhook about it, or once the page of a
// checkout replaced by a newer one has closed. Its payload is the
// payment's id; each cause queues it under its own key.
const SettleJob = "settle-payment"

// SettlePayment settles a payment from what the provider says of it: a
// checkout starts its subscription, records its decline once its page has
// closed, or (released, but paid after all) is refunded; a pending renewal
// or upgrade is settled as recovery does, and a renewal settled as declined
// or released that the provider took after all pays its term or is
// refunded. A payment the provider knows nothing of yet stays as it is.
// Safe to run again and beside every other settling of the payment.
func (s *Service) SettlePayment(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	switch p.Purpose {
	case PurposeRenewal:
		switch p.Status {
		case PaymentPending:
			return s.RecoverRenewal(ctx, p.ID)
		case PaymentFailed: // its charge may have been taken after all (settleLate)
			_, err := s.settleLate(ctx, p)
			return err
		}
		return nil
	case PurposeUpgrade:
		if p.Status != PaymentPending {
			return nil
		}
		return s.RecoverUpgrade(ctx, p.ID)
	case PurposeCheckout:
		if p.Status == PaymentPending && s.Now().Before(p.CreatedAt.Add(CheckoutPageLifetime)) {
			// A decline on a page still open may be followed by another
			// try on it: only a success is settled now; the reader's
			// return, or recovery once the page has closed, records a
			// decline.
			res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, p.CheckoutRef)
			if err != nil || !found || !res.Succeeded {
				return err
			}
		}
		_, _, err := s.CompleteCheckout(ctx, p.IdempotencyKey)
		if err == nil || isReaderOutcome(err) || errors.Is(err, ErrPaymentInProgress) && !errors.Is(err, errLookupFailed) {
			return nil
		}
		return err
	}
	return nil
}
