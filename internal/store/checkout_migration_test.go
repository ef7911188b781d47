package store_test

import (
	"context"
	"testing"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// seedRaceDamage writes what parallel checkouts left before migration
// 0003: one account with two live subscriptions and two checkouts pending.
func seedRaceDamage(t *testing.T, ctx context.Context, s *store.Store) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO accounts (id, email, created_at) VALUES (1, 'raced@example.com', '2026-11-01 10:00:00')`,
		`INSERT INTO plans (id, code, name, price_paise, term_months) VALUES (1, 'q', 'Quarterly', 90000, 3)`,
		`INSERT INTO subscriptions (id, account_id, plan_id, status, anchor_at, paid_until, created_at, updated_at) VALUES
			(1, 1, 1, 'active', '2026-11-01 10:00:00', '2027-02-01 10:00:00', '2026-11-01 10:00:00', '2026-11-01 10:00:00'),
			(2, 1, 1, 'active', '2026-11-01 10:00:01', '2027-02-01 10:00:01', '2026-11-01 10:00:01', '2026-11-01 10:00:01')`,
		`INSERT INTO payments (account_id, idempotency_key, amount_paise, status, gateway, created_at, updated_at) VALUES
			(1, 'checkout:1:a', 90000, 'succeeded', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00'),
			(1, 'checkout:1:b', 90000, 'pending', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00'),
			(1, 'checkout:1:c', 90000, 'pending', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00'),
			(1, 'renewal:1:2:1', 90000, 'succeeded', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`,
	} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Migration 0003 applies to a database that parallel checkouts damaged:
// the account keeps the subscription it was shown, and the checkouts
// left pending are marked for recovery to refund.
func TestCheckoutMigration0003SettlesRaceDamage(t *testing.T) {
	eachMigratedFrom(t, 2, func(t *testing.T, ctx context.Context, old *store.Store) {
		seedRaceDamage(t, ctx, old)
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		if live, err := s.QueryString(ctx, `SELECT id FROM subscriptions WHERE status <> 'ended'`); err != nil || live != "2" {
			t.Errorf("live subscription after 0003: %q (%v), want the latest paid, 2", live, err)
		}
		for key, want := range map[string]string{
			"checkout:1:a": "checkout", "checkout:1:b": "legacy_checkout", "checkout:1:c": "legacy_checkout", "renewal:1:2:1": "renewal",
		} {
			if got, err := s.QueryString(ctx, `SELECT purpose FROM payments WHERE idempotency_key = $1`, key); err != nil || got != want {
				t.Errorf("payment %s: purpose %q (%v), want %q", key, got, err, want)
			}
		}
		if n, err := s.CountLiveSubscriptions(ctx, 1); err != nil || n != 1 {
			t.Errorf("%d live subscriptions (%v), want 1", n, err)
		}
	})
}

// The database itself refuses a second live subscription and a second
// pending checkout for one account, whatever code writes them.
func TestDatabaseRefusesSecondLiveSubscriptionAndCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO accounts (id, email, created_at) VALUES (1, 'one@example.com', '2026-11-01 10:00:00')`,
			`INSERT INTO plans (id, code, name, price_paise, term_months) VALUES (1, 'q', 'Quarterly', 90000, 3)`,
			`INSERT INTO subscriptions (account_id, plan_id, status, anchor_at, paid_until, created_at, updated_at)
				VALUES (1, 1, 'ended', '2026-01-01 10:00:00', '2026-04-01 10:00:00', '2026-01-01 10:00:00', '2026-01-01 10:00:00')`,
			`INSERT INTO subscriptions (account_id, plan_id, status, anchor_at, paid_until, created_at, updated_at)
				VALUES (1, 1, 'active', '2026-11-01 10:00:00', '2027-02-01 10:00:00', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`,
			`INSERT INTO payments (account_id, idempotency_key, purpose, amount_paise, status, gateway, created_at, updated_at)
				VALUES (1, 'checkout:1:a', 'checkout', 90000, 'pending', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`,
		} {
			if err := s.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Exec(ctx, `INSERT INTO subscriptions (account_id, plan_id, status, anchor_at, paid_until, created_at, updated_at)
			VALUES (1, 1, 'past_due', '2026-11-01 10:00:00', '2027-02-01 10:00:00', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`); err == nil {
			t.Error("a second live subscription for one account was stored")
		}
		if err := s.Exec(ctx, `INSERT INTO payments (account_id, idempotency_key, purpose, amount_paise, status, gateway, created_at, updated_at)
			VALUES (1, 'checkout:1:b', 'checkout', 90000, 'pending', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`); err == nil {
			t.Error("a second pending checkout for one account was stored")
		}
		if err := s.Exec(ctx, `INSERT INTO payments (account_id, idempotency_key, purpose, amount_paise, status, gateway, created_at, updated_at)
			VALUES (1, 'renewal:9:2:1', 'renewal', 90000, 'pending', 'test', '2026-11-01 10:00:00', '2026-11-01 10:00:00')`); err != nil {
			t.Errorf("a pending renewal beside the pending checkout was refused: %v", err)
		}
	})
}
