package accounts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func TestRoleIncludes(t *testing.T) {
	roles := []accounts.Role{accounts.RoleReader, accounts.RoleEditor, accounts.RoleAdmin, "bogus"}
	// want[i][j]: does roles[i] include roles[j]?
	want := [][]bool{
		{true, false, false, false},
		{true, true, false, false},
		{true, true, true, false},
		{false, false, false, false},
	}
	for i, have := range roles {
		for j, need := range roles {
			if got := have.Includes(need); got != want[i][j] {
				t.Errorf("%q.Includes(%q) = %v, want %v", have, need, got, want[i][j])
			}
		}
	}
	for _, c := range []struct {
		role           accounts.Role
		staff, isAdmin bool
	}{
		{accounts.RoleReader, false, false},
		{accounts.RoleEditor, true, false},
		{accounts.RoleAdmin, true, true},
		{"Admin", false, false},
	} {
		if c.role.IsStaff() != c.staff || c.role.IsAdmin() != c.isAdmin {
			t.Errorf("%q: staff %v, admin %v; want %v, %v", c.role, c.role.IsStaff(), c.role.IsAdmin(), c.staff, c.isAdmin)
		}
	}
}

// Each role is stored and read back as given; a role that is not one is
// refused with a clear error and creates no account.
func TestRegisterWithARole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		for _, role := range []accounts.Role{accounts.RoleReader, accounts.RoleEditor, accounts.RoleAdmin} {
			email := "role-" + string(role) + "@example.com"
			a, err := s.Register(ctx, email, "a long password", role)
			if err != nil {
				t.Fatalf("register %q: %v", role, err)
			}
			got, err := st.AccountByID(ctx, a.ID)
			if err != nil || got.Role != role {
				t.Errorf("account registered as %q reads back as %q (%v)", role, got.Role, err)
			}
		}
		for _, role := range []accounts.Role{"bogus", "Admin", " editor"} {
			_, err := s.Register(ctx, "bogus@example.com", "a long password", role)
			var input *accounts.InputError
			if !errors.As(err, &input) {
				t.Errorf("register %q: err %v, want an input error", role, err)
			}
		}
		if _, err := st.AccountByEmail(ctx, "bogus@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an account with a bad role was created: %v", err)
		}
	})
}
