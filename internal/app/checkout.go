package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"broadsheet/internal/billing"
)

// enqueueCheckoutRecoveries queues one recovery job for each checkout or
// renewal payment left pending past billing.CheckoutRecoveryAfter (its
// request or job died, or lost the gateway's answer), keyed by the payment
// so instances queue it once.
func (a *App) enqueueCheckoutRecoveries(ctx context.Context) error {
	stale, err := a.Billing.StaleCheckouts(ctx, 500)
	if err != nil {
		return err
	}
	renewals, err := a.Billing.StaleRenewals(ctx, 500)
	if err != nil {
		return err
	}
	stale = append(stale, renewals...)
	now := a.Clock.Now()
	for _, p := range stale {
		id := strconv.FormatInt(p.ID, 10)
		if _, err := a.Store.EnqueueJob(ctx, billing.CheckoutRecoveryJob, billing.CheckoutRecoveryKey(p.ID), id, now, now); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) runCheckoutRecovery(ctx context.Context, payload string) error {
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		return fmt.Errorf("checkout recovery job payload %q: %w", payload, err)
	}
	defer a.pages.ForgetSignedIn() // a subscription may have started or been extended
	return a.Billing.RecoverPayment(ctx, id)
}

// testGatewayDelay is BROADSHEET_TEST_GATEWAY_DELAY: how long the built-in
// test gateway waits before and after recording each charge, so that tests
// can stop the process while charges are in flight.
func testGatewayDelay() (time.Duration, error) {
	v := os.Getenv("BROADSHEET_TEST_GATEWAY_DELAY")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("BROADSHEET_TEST_GATEWAY_DELAY=%q: want a duration such as 500ms", v)
	}
	return d, nil
}
