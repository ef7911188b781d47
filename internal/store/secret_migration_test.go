package store_test

import (
	"context"
	"testing"

	"broadsheet/internal/store"
)

// Migration 0007 removes the cookie secret an older version kept in the
// settings table; the other settings stay.
func TestSecretLeavesSettingsInMigration0007(t *testing.T) {
	eachMigratedFrom(t, 6, func(t *testing.T, ctx context.Context, old *store.Store) {
		if err := old.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('secret:cookie', 'deadbeef'), ('free_limit', '4')`); err != nil {
			t.Fatal(err)
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'secret:cookie'`); err != nil || n != "0" {
			t.Errorf("secret:cookie rows after 0007: %s, %v; want 0", n, err)
		}
		if v, err := s.QueryString(ctx, `SELECT value FROM settings WHERE key = 'free_limit'`); err != nil || v != "4" {
			t.Errorf("free_limit after 0007: %q, %v; want it kept", v, err)
		}
	})
}
