package app

import "context"

// reconcile compares the last days' payments with the provider's, as a
// periodic task on every instance: its repairs happen once however many
// run it, and its reports are unique in the database. A repair may start
// or extend a subscription, so the pages forget who they knew to be
// signed in, as after a billing job.
func (a *App) reconcile(ctx context.Context) error {
	sum, err := a.Billing.ReconcileRecent(ctx)
	if sum.Repaired > 0 {
		a.pages.ForgetSignedIn()
	}
	if sum.Repaired > 0 || sum.Reported > 0 {
		a.Log.Info("reconciled payments with the provider", "checked", sum.Checked, "repaired", sum.Repaired, "reported", sum.Reported)
	}
	return err
}
