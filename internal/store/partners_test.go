package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/partner"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// The database, not a check before a write, keeps a code to one reader
// and a reader to one code per offer, and an import whole or not at all.
func TestPartnerCodesAreKeptUniqueByTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		id, err := s.CreatePartnerOffer(ctx, &partner.Offer{Name: "Atlas", RedemptionURL: "https://partner.example/", LowStock: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if dups, err := s.ImportPartnerCodes(ctx, id, []string{"A", "B", "C"}, now); err != nil || len(dups) != 0 {
			t.Fatalf("import: %v, %v", dups, err)
		}
		// A file with one code the offer has adds none of its codes.
		if dups, err := s.ImportPartnerCodes(ctx, id, []string{"D", "B", "E"}, now); err != nil || len(dups) != 1 || dups[0] != 1 {
			t.Errorf("import with a duplicate: %v, %v; want the second code named", dups, err)
		}
		if o, err := s.PartnerOffer(ctx, id); err != nil || o.Left != 3 {
			t.Errorf("after a refused import: %+v, %v; want 3 codes left", o, err)
		}
		a := &accounts.Account{Email: "reader@example.com", CreatedAt: now}
		if a.ID, err = s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		code, fresh, err := s.ClaimPartnerCode(ctx, id, a.ID, now)
		if err != nil || !fresh || code != "A" {
			t.Fatalf("first claim: %q %v %v", code, fresh, err)
		}
		if again, fresh, err := s.ClaimPartnerCode(ctx, id, a.ID, now); err != nil || fresh || again != code {
			t.Errorf("second claim: %q %v %v; want the same code", again, fresh, err)
		}
		// Written around the service, a second code for the reader or a
		// code given twice is refused by the unique constraints.
		if err := s.Exec(ctx, `UPDATE partner_codes SET account_id = $1, claimed_at = $2 WHERE code = 'B'`, a.ID, now); err == nil {
			t.Error("the database gave a reader a second code of one offer")
		}
		if err := s.Exec(ctx, `INSERT INTO partner_codes (offer_id, code, imported_at) VALUES ($1, 'A', $2)`, id, now); err == nil {
			t.Error("the database took a code twice")
		}
		if _, _, err := s.ClaimPartnerCode(ctx, 987654, a.ID, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("claim of no offer: %v, want ErrNotFound", err)
		}
	})
}
