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

// A password check that passed a moment before the owner changed the
// password (a reset, a change, a link sign-in taking the address back)
// must not sign a device in after the change: the attacker's request is
// between its check and its session when the owner acts.
func TestSessionRefusedWhenThePasswordChangedAfterTheCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		if _, err := s.SignUp(ctx, "victim@example.com", "squatter's password"); err != nil {
			t.Fatal(err)
		}
		checked, err := s.Authenticate(ctx, "victim@example.com", "squatter's password", "192.0.2.7")
		if err != nil {
			t.Fatal(err)
		}

		// The owner takes the address back by sign-in link: the password
		// the squatter chose is cleared.
		owner, err := st.AccountByID(ctx, checked.ID)
		if err != nil {
			t.Fatal(err)
		}
		owner.PasswordHash = ""
		if err := st.UpdateAccount(ctx, owner); err != nil {
			t.Fatal(err)
		}

		if _, err := s.StartSession(ctx, checked, "squatter", 0); !errors.Is(err, accounts.ErrSignInChanged) {
			t.Fatalf("session after the password was cleared: %v, want ErrSignInChanged", err)
		}
		if sessions, err := s.Sessions(ctx, checked.ID); err != nil || len(sessions) != 0 {
			t.Fatalf("%d sessions (%v), want none", len(sessions), err)
		}
		// The owner's own sign-in, checked after the change, goes through.
		if _, err := s.StartSession(ctx, owner, "owner", 0); err != nil {
			t.Fatalf("the owner's sign-in: %v", err)
		}
	})
}
