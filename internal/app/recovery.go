package app

import (
	"context"
	"strconv"

	"broadsheet/internal/billing"
)

// enqueueCheckoutRecoveries queues one recovery job for each checkout or
// renewal payment left pending past billing.CheckoutRecoveryAfter (its
// request or job died, or lost the gateway's answer), keyed by the payment
// so instances queue it once.
func (a *App) enqueueCheckoutRecoveries(ctx context.Context) error {
	stale, err := a.Billing.StalePayments(ctx, 1000)
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	for _, p := range stale {
		id := strconv.FormatInt(p.ID, 10)
		if _, err := a.Store.EnqueueJob(ctx, billing.CheckoutRecoveryJob, billing.CheckoutRecoveryKey(p.ID), id, now, now); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) runCheckoutRecovery(ctx context.Context, id int64) error {
	defer a.pages.ForgetSignedIn() // a subscription may have started or been extended
	return a.Billing.RecoverPayment(ctx, id)
}
