package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
)

// Migration 0020 gives subscriptions past due before it the week of grace
// they had then, and others none: a reader mid-retry keeps reading.
func TestPastDueKeepTheirWeekOfGraceAfterMigration0020(t *testing.T) {
	paidUntil := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
	eachMigratedFrom(t, 18, func(t *testing.T, ctx context.Context, old *store.Store) {
		if err := old.Exec(ctx, `INSERT INTO plans (code, name, price_paise, term_months) VALUES ('q', 'Quarterly', 90000, 3)`); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ email, status string }{{"late@example.com", "past_due"}, {"paid@example.com", "active"}} {
			if err := old.Exec(ctx, `INSERT INTO accounts (email, created_at) VALUES ($1, $2)`, c.email, paidUntil); err != nil {
				t.Fatal(err)
			}
			if err := old.Exec(ctx, `INSERT INTO subscriptions (account_id, plan_id, status, anchor_at, paid_until, terms_paid, created_at, updated_at)
				VALUES ((SELECT id FROM accounts WHERE email = $1), (SELECT id FROM plans WHERE code = 'q'), $2, $3, $3, 1, $3, $3)`,
				c.email, c.status, paidUntil); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		for email, wantGrace := range map[string]bool{"late@example.com": true, "paid@example.com": false} {
			a, err := s.AccountByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := s.CurrentSubscription(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case wantGrace && (sub.GraceUntil == nil || !sub.GraceUntil.Equal(paidUntil.Add(7*24*time.Hour))):
				t.Errorf("%s: grace until %v, want a week past %s", email, sub.GraceUntil, paidUntil)
			case wantGrace && !billing.Entitled(sub, paidUntil.Add(6*24*time.Hour)):
				t.Errorf("%s: no access six days into the grace period", email)
			case !wantGrace && sub.GraceUntil != nil:
				t.Errorf("%s: grace until %v, want none", email, sub.GraceUntil)
			}
		}
	})
}
