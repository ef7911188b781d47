package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
)

// Migration 0009 gives the admins of the old flag the admin role and
// everyone else none, then drops the flag; from then on the database
// refuses a role that is not one.
func TestRolesReplaceTheAdminFlagInMigration0009(t *testing.T) {
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 8, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, a := range []struct {
			email string
			admin bool
		}{{"boss@example.com", true}, {"reader@example.com", false}} {
			// As the code before roles wrote accounts: the flag as a bound bool.
			if err := old.Exec(ctx, `INSERT INTO accounts (email, password_hash, is_admin, created_at) VALUES ($1, '', $2, $3)`,
				a.email, a.admin, created); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		for email, want := range map[string]accounts.Role{"boss@example.com": accounts.RoleAdmin, "reader@example.com": accounts.RoleReader} {
			a, err := s.AccountByEmail(ctx, email)
			if err != nil || a.Role != want {
				t.Errorf("%s after 0009: role %q (%v), want %q", email, a.Role, err, want)
			}
		}
		if _, err := s.QueryString(ctx, `SELECT is_admin FROM accounts`); err == nil {
			t.Error("accounts still has is_admin after 0009")
		}
		if err := s.Exec(ctx, `UPDATE accounts SET role = 'superuser' WHERE email = 'reader@example.com'`); err == nil {
			t.Error("the database took the role 'superuser'")
		}
		if _, err := s.CreateAccount(ctx, &accounts.Account{Email: "odd@example.com", Role: "Admin", CreatedAt: created}); err == nil {
			t.Error("the database took the role 'Admin'")
		}
		if a, err := s.AccountByEmail(ctx, "reader@example.com"); err != nil || a.Role != accounts.RoleReader {
			t.Errorf("a refused role change left the reader with %q (%v)", a.Role, err)
		}
	})
}
