package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/mail"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// vfService is an accounts service on st with a fixed clock and its mail
// kept in the outbox.
func vfService(st *store.Store, now *time.Time) *accounts.Service {
	clock := func() time.Time { return *now }
	return &accounts.Service{Store: st, Now: clock, Mail: mail.Outbox{Store: st, Now: clock}}
}

func TestRegisterByOperatorIsVerifiedSignUpIsNot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		op, err := s.Register(ctx, "editor@example.com", "operator password", accounts.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		web, err := s.SignUp(ctx, "Reader@Example.com", "reader password")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id       int64
			verified bool
		}{{op.ID, true}, {web.ID, false}} {
			a, err := st.AccountByID(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verified() != tc.verified {
				t.Errorf("%s: verified %v, want %v", a.Email, a.Verified(), tc.verified)
			}
			// The session read carries the same account.
			token, err := s.StartSession(ctx, a, "test", 0)
			if err != nil {
				t.Fatal(err)
			}
			_, sa, err := s.SessionFor(ctx, token)
			if err != nil || sa.Verified() != tc.verified {
				t.Errorf("%s through its session: verified %v, %v", a.Email, sa.Verified(), err)
			}
		}
		if _, err := s.SignUp(ctx, "reader@example.com", "another password"); !errors.Is(err, accounts.ErrEmailTaken) {
			t.Errorf("signing up a taken address: %v", err)
		}
	})
}

// Requests for reset emails racing each other get no more than the limits
// through, on both engines: from one client, its burst for the address.
// Requests from many clients then get the rest of the address's overall
// cap, which the one client's refused requests did not spend.
func TestResetRequestsRacingAreThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)
		s := vfService(st, &now)
		if _, err := s.Register(ctx, "reader@example.com", "reader password", accounts.RoleReader); err != nil {
			t.Fatal(err)
		}
		race := func(n int, client func(i int) string) int {
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range errs {
				wg.Go(func() {
					errs[i] = s.SendPasswordReset(ctx, "reader@example.com", client(i), "http://site/password/reset/", "Test")
				})
			}
			wg.Wait()
			sent := 0
			for _, err := range errs {
				switch {
				case err == nil:
					sent++
				case !errors.Is(err, accounts.ErrTooManyEmails):
					t.Errorf("request: %v", err)
				}
			}
			return sent
		}
		// Racing requests are counted one after another: exactly the
		// limit's worth get through.
		fromOne := race(20, func(int) string { return "192.0.2.1" })
		if fromOne != 3 {
			t.Errorf("%d of 20 racing requests from one client sent an email, want 3", fromOne)
		}
		fromMany := 0
		for i := range 40 {
			fromMany += race(1, func(int) string { return fmt.Sprintf("198.51.100.%d", i+1) })
		}
		if fromOne+fromMany != 30 {
			t.Errorf("%d + %d requests sent an email, want the address's 30 a day", fromOne, fromMany)
		}
	})
}
