package e2e_test

import (
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

// fileStrayPayment has the test gateway take money under a key of ours
// that no payment has, and the periodic reconciliation report it, so that
// /admin/reconciliation shows a report.
func fileStrayPayment(t *testing.T, site *apptest.Site) {
	t.Helper()
	card, err := (&billing.TestGateway{Now: site.Clock.Now}).SaveCard(t.Context(), billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2035", CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	key := "checkout:999999:a-payment-key-long-enough-to-wrap-on-a-phone"
	if _, err := site.App.Billing.Gateway.Charge(t.Context(), billing.Charge{IdempotencyKey: key, Token: card.Token, Amount: 49900}); err != nil {
		t.Fatal(err)
	}
	site.RunJobs()
	if reports, err := site.App.Billing.OpenReports(t.Context()); err != nil || len(reports) != 1 {
		t.Fatalf("reports %v (%v), want the stray payment's", reports, err)
	}
}
