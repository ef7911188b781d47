package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// Links emailed before links were keyed by address keep working after the
// migration, under the address of their account; their codes, stored
// unsalted, no longer sign in.
func TestLoginLinksSurviveMigration0004(t *testing.T) {
	eachMigratedFrom(t, 3, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO accounts (id, email, created_at) VALUES (7, 'old@example.com', '2026-11-01 10:00:00+00:00')`,
			`INSERT INTO login_links (account_id, token_hash, code_hash, next_path, expires_at, created_at)
			VALUES (7, 'old-token-hash', 'old-code-hash', '/account', '2026-11-15 10:20:00+00:00', '2026-11-15 10:00:00+00:00')`,
		} {
			if err := old.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		l, err := s.LoginLinkByToken(ctx, "old-token-hash")
		if err != nil || l.Email != "old@example.com" || l.NextPath != "/account" {
			t.Fatalf("old link after 0004: %+v, %v", l, err)
		}
		if l.CodeHash != "" {
			t.Errorf("the old link keeps its unsalted code hash %q", l.CodeHash)
		}
		now := time.Date(2026, 11, 15, 10, 5, 0, 0, time.UTC)
		a, err := s.UseLoginLink(ctx, l.ID, now)
		if err != nil || a.ID != 7 {
			t.Fatalf("using the old link: %+v, %v; want account 7", a, err)
		}
	})
}

// Twenty requests at once for one address from one client write exactly
// the burst limit of links, twenty more from as many clients exactly the
// rest of the address's overall limit, and twenty first sign-ins at once
// by different links of a new address make one account.
func TestLoginLinkLimitsHoldUnderParallelRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		limits := accounts.LinkLimits{
			Client:          accounts.LinkLimit{Since: now.Add(-time.Hour), Max: 100},
			AddressOnClient: []accounts.LinkLimit{{Since: now.Add(-15 * time.Minute), Max: 3}},
			Address:         []accounts.LinkLimit{{Since: now.Add(-24 * time.Hour), Max: 8}},
		}
		outcomes := make([]accounts.LinkOutcome, 20)
		errs := make([]error, 20)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i], errs[i] = s.CreateLoginLink(ctx, &accounts.NewLoginLink{
					Email: "new@example.com", Client: "192.0.2.1", TokenHash: accounts.HashToken(string(rune('a' + i))),
					ExpiresAt: now.Add(20 * time.Minute), CreatedAt: now,
				}, limits)
			})
		}
		wg.Wait()
		created := 0
		for i, o := range outcomes {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if o == accounts.LinkCreated {
				created++
			} else if o != accounts.LinkAddressLimited {
				t.Errorf("request %d: outcome %d, want created or address-limited", i, o)
			}
		}
		if created != 3 {
			t.Errorf("%d links written by 20 parallel requests, want 3", created)
		}
		manyOutcomes := make([]accounts.LinkOutcome, 20)
		for i := range manyOutcomes {
			wg.Go(func() {
				manyOutcomes[i], errs[i] = s.CreateLoginLink(ctx, &accounts.NewLoginLink{
					Email: "new@example.com", Client: fmt.Sprintf("198.51.100.%d", i+1), TokenHash: accounts.HashToken(fmt.Sprint("many", i)),
					ExpiresAt: now.Add(20 * time.Minute), CreatedAt: now,
				}, limits)
			})
		}
		wg.Wait()
		fromMany := 0
		for i, o := range manyOutcomes {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if o == accounts.LinkCreated {
				fromMany++
			}
		}
		if fromMany != 8-3 {
			t.Errorf("%d links written by 20 parallel requests from as many clients, want %d", fromMany, 8-3)
		}
		if n, err := s.CountAccounts(ctx); err != nil || n != 0 {
			t.Fatalf("accounts after link requests: %d, %v; want 0", n, err)
		}

		ids := make([]int64, 0, 20)
		for i := range 20 {
			if l, err := s.LoginLinkByToken(ctx, accounts.HashToken(string(rune('a'+i)))); err == nil {
				ids = append(ids, l.ID)
			}
		}
		accountIDs := make([]int64, len(ids))
		var used sync.WaitGroup
		for i, id := range ids {
			used.Go(func() {
				a, err := s.UseLoginLink(ctx, id, now.Add(time.Minute))
				if err != nil {
					errs[i] = err
					return
				}
				accountIDs[i] = a.ID
			})
		}
		used.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("using link %d: %v", i, errs[i])
			}
			if accountIDs[i] != accountIDs[0] {
				t.Errorf("links of one address signed in to accounts %d and %d", accountIDs[0], accountIDs[i])
			}
		}
		if n, err := s.CountAccounts(ctx); err != nil || n != 1 {
			t.Errorf("accounts after %d first sign-ins at once: %d, %v; want 1", len(ids), n, err)
		}
		if _, err := s.UseLoginLink(ctx, ids[0], now.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a link used twice: %v, want ErrNotFound", err)
		}
	})
}
