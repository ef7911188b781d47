package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
)

// Migration 0014 dates the role of staff from before it to the start of
// their account; readers have no role and no date.
func TestStaffHaveTheirRoleSinceTheirAccountBeganAfterMigration0014(t *testing.T) {
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 13, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, a := range []struct{ email, role string }{{"boss@example.com", "admin"}, {"reader@example.com", ""}} {
			if err := old.Exec(ctx, `INSERT INTO accounts (email, password_hash, role, created_at) VALUES ($1, '', $2, $3)`,
				a.email, a.role, created); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		staff, err := s.StaffAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(staff) != 1 || staff[0].Email != "boss@example.com" || staff[0].Role != accounts.RoleAdmin || !staff[0].Since.Equal(created) {
			t.Errorf("staff after 0014: %+v, want boss@example.com, admin since %s", staff, created)
		}
		if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM accounts WHERE role_since IS NULL`); err != nil || n != "1" {
			t.Errorf("accounts without a role date: %s (%v), want the reader alone", n, err)
		}
	})
}
