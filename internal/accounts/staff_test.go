package accounts_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// stRegister registers an account with a role, or fails the test.
func stRegister(t *testing.T, s *accounts.Service, email string, role accounts.Role) *accounts.Account {
	t.Helper()
	a, err := s.Register(context.Background(), email, "a long password", role)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// stRoles reads each account's role back from the store.
func stRoles(t *testing.T, st *store.Store, as ...*accounts.Account) []accounts.Role {
	t.Helper()
	var out []accounts.Role
	for _, a := range as {
		got, err := st.AccountByID(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got.Role)
	}
	return out
}

// An admin gives and takes roles by email; the staff list says who has
// one and since when. A role that is not one, an unknown address or an
// actor who is not an admin changes nothing.
func TestSetRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		boss := stRegister(t, s, "boss@example.com", accounts.RoleAdmin)
		reader := stRegister(t, s, "reader@example.com", accounts.RoleReader)

		now = now.Add(time.Hour)
		if err := s.SetRole(ctx, boss, "Reader@Example.com", accounts.RoleEditor); err != nil {
			t.Fatal(err)
		}
		staff, err := s.Staff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []accounts.StaffMember{
			{ID: boss.ID, Email: "boss@example.com", Role: accounts.RoleAdmin, Since: boss.CreatedAt.UTC()},
			{ID: reader.ID, Email: "reader@example.com", Role: accounts.RoleEditor, Since: now},
		}
		if len(staff) != len(want) || staff[0] != want[0] || staff[1] != want[1] {
			t.Fatalf("staff %+v, want %+v", staff, want)
		}

		for _, c := range []struct {
			actor *accounts.Account
			email string
			role  accounts.Role
			want  any
		}{
			{boss, "reader@example.com", "superuser", new(*accounts.InputError)},
			{boss, "reader@example.com", "Admin", new(*accounts.InputError)},
			{boss, "not an address", accounts.RoleAdmin, new(*accounts.InputError)},
			{boss, "nobody@example.com", accounts.RoleAdmin, accounts.ErrNoAccount},
			{reader, "reader@example.com", accounts.RoleAdmin, accounts.ErrNotAdmin},
			{nil, "reader@example.com", accounts.RoleAdmin, accounts.ErrNotAdmin},
		} {
			err := s.SetRole(ctx, c.actor, c.email, c.role)
			switch want := c.want.(type) {
			case error:
				if !errors.Is(err, want) {
					t.Errorf("%s → %q: %v, want %v", c.email, c.role, err, want)
				}
			case **accounts.InputError:
				if !errors.As(err, want) {
					t.Errorf("%s → %q: %v, want an input error", c.email, c.role, err)
				}
			}
		}
		if got := stRoles(t, st, boss, reader); got[0] != accounts.RoleAdmin || got[1] != accounts.RoleEditor {
			t.Errorf("refused changes left roles %q", got)
		}

		if err := s.SetRole(ctx, boss, "reader@example.com", accounts.RoleReader); err != nil {
			t.Fatal(err)
		}
		if staff, _ := s.Staff(ctx); len(staff) != 1 || staff[0].ID != boss.ID {
			t.Errorf("after the editor's role is taken away, staff %+v", staff)
		}
	})
}

// The only admin cannot give up the role; with a second admin, either
// can step down.
func TestTheLastAdminKeepsTheRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		boss := stRegister(t, s, "boss@example.com", accounts.RoleAdmin)
		for _, role := range []accounts.Role{accounts.RoleEditor, accounts.RoleReader} {
			if err := s.SetRole(ctx, boss, boss.Email, role); !errors.Is(err, accounts.ErrLastAdmin) {
				t.Errorf("the only admin made %q: %v, want ErrLastAdmin", role, err)
			}
		}
		if got := stRoles(t, st, boss); got[0] != accounts.RoleAdmin {
			t.Fatalf("the only admin is now %q", got[0])
		}
		deputy := stRegister(t, s, "deputy@example.com", accounts.RoleEditor)
		if err := s.SetRole(ctx, boss, deputy.Email, accounts.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRole(ctx, boss, boss.Email, accounts.RoleEditor); err != nil {
			t.Fatalf("an admin beside another stepping down: %v", err)
		}
		if got := stRoles(t, st, boss, deputy); got[0] != accounts.RoleEditor || got[1] != accounts.RoleAdmin {
			t.Errorf("roles %q, want editor and admin", got)
		}
	})
}

// Two admins demoting each other at the same moment: one change goes
// through and the other is refused, every time, so one admin is left.
// An admin demoted while their own request was on its way acts no more.
func TestAdminsDemotingEachOtherLeaveOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		one := stRegister(t, s, "one@example.com", accounts.RoleAdmin)
		two := stRegister(t, s, "two@example.com", accounts.RoleAdmin)
		for round := range 20 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, pair := range [][2]*accounts.Account{{one, two}, {two, one}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = s.SetRole(ctx, pair[0], pair[1].Email, accounts.RoleEditor)
				}()
			}
			close(start)
			wg.Wait()
			roles := stRoles(t, st, one, two)
			admins := 0
			for _, r := range roles {
				if r == accounts.RoleAdmin {
					admins++
				}
			}
			if admins != 1 {
				t.Fatalf("round %d: roles %q (errors %v), want one admin", round, roles, errs)
			}
			for _, err := range errs {
				if err != nil && !errors.Is(err, accounts.ErrLastAdmin) && !errors.Is(err, accounts.ErrNotAdmin) {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			// Both admins again for the next round, by whoever is one.
			actor := one
			if roles[0] != accounts.RoleAdmin {
				actor = two
			}
			for _, a := range []*accounts.Account{one, two} {
				if err := s.SetRole(ctx, actor, a.Email, accounts.RoleAdmin); err != nil {
					t.Fatal(err)
				}
			}
		}

		third := stRegister(t, s, "three@example.com", accounts.RoleAdmin)
		if err := s.SetRole(ctx, one, two.Email, accounts.RoleReader); err != nil {
			t.Fatal(err)
		}
		// two still holds the *Account it signed in with, as admin.
		if err := s.SetRole(ctx, two, third.Email, accounts.RoleReader); !errors.Is(err, accounts.ErrNotAdmin) {
			t.Errorf("a demoted admin's change: %v, want ErrNotAdmin", err)
		}
		if got := stRoles(t, st, third); got[0] != accounts.RoleAdmin {
			t.Errorf("a demoted admin changed a role to %q", got[0])
		}
	})
}
