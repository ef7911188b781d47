package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/offer"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// includes returns the kinds and titles of what the plan with code
// includes, as the catalog the gates read has it.
func includes(t *testing.T, s *store.Store, code string) (map[offer.Kind]bool, []string) {
	t.Helper()
	c, err := offer.NewCatalog(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	snap := c.Get()
	for _, p := range snap.Plans() {
		if p.Code != code {
			continue
		}
		kinds := map[offer.Kind]bool{}
		var titles []string
		for _, id := range p.Benefits {
			b, _ := snap.Benefit(id)
			kinds[b.Kind] = snap.Grants(p.ID).Has(b.Kind)
			titles = append(titles, b.Title)
		}
		return kinds, titles
	}
	t.Fatalf("no plan %s", code)
	return nil, nil
}

// Every plan sold before plans had benefits of their own gave premium
// stories, the archive and ad-free reading to its subscribers: after
// migration 0032 each existing plan still includes them, and every line
// its offer page listed, the reference offer's lines now of the kinds
// that deliver them.
func TestExistingPlansKeepTheirBenefitsAfterMigration0032(t *testing.T) {
	eachMigratedFrom(t, 14, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO plans (code, name, price_paise, term_months, position) VALUES ('yearly', 'Yearly', 270000, 12, 1)`,
			`INSERT INTO plans (code, name, price_paise, term_months, position, active) VALUES ('old', 'Old', 90000, 3, 2, FALSE)`,
		} {
			if err := old.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		for _, code := range []string{"yearly", "old"} {
			kinds, titles := includes(t, s, code)
			for _, k := range []offer.Kind{offer.Premium, offer.Archive, offer.AdFree, offer.MarketInsights} {
				if !kinds[k] {
					t.Errorf("%s after 0032: does not include %s; includes %q", code, k, titles)
				}
			}
			if len(titles) != 8 || titles[0] != "Exclusive premium stories online" || titles[7] != "Seamless Access Across All Devices" {
				t.Errorf("%s after 0032 includes %q, want the eight lines of its offer page", code, titles)
			}
		}
		list, err := s.Benefits(ctx)
		if err != nil || len(list) != 8 {
			t.Fatalf("benefits after 0032: %+v, %v; want the eight of 0015 and no other", list, err)
		}
		// (0040 then makes the curated newsletters line of its own kind.)
		want := []offer.Kind{offer.Premium, offer.Info, offer.Info, offer.Newsletters, offer.MarketInsights, offer.Archive, offer.AdFree, offer.Info}
		for i, b := range list {
			if b.Kind != want[i] {
				t.Errorf("benefit %q after 0032 is of kind %s, want %s", b.Title, b.Kind, want[i])
			}
		}
	})

	// A publication whose list lost those lines (an admin rewrote it)
	// gets them back as built-in benefits its plans include, all but
	// market insights, which no offer page promised.
	eachMigratedFrom(t, 31, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO plans (code, name, price_paise, term_months) VALUES ('yearly', 'Yearly', 270000, 12)`,
			`INSERT INTO benefits (position, title, body) VALUES (1, 'Weekend crossword', 'Every Saturday')`,
		} {
			if err := old.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		kinds, titles := includes(t, s, "yearly")
		if !kinds[offer.Premium] || !kinds[offer.Archive] || !kinds[offer.AdFree] || kinds[offer.MarketInsights] ||
			!slices.Contains(titles, "Weekend crossword") || len(titles) != 4 {
			t.Errorf("yearly after 0032 includes %q (%v), want the crossword, premium stories, the archive and ad-free reading", titles, kinds)
		}
	})

	// A new database has the four built-in benefits, once each, and no
	// plan.
	eachMigratedFrom(t, 31, func(*testing.T, context.Context, *store.Store) {}, func(t *testing.T, ctx context.Context, s *store.Store) {
		list, err := s.Benefits(ctx)
		if err != nil || len(list) != 4 {
			t.Fatalf("a new database's benefits: %+v, %v", list, err)
		}
		if _, err := s.UpsertPlan(ctx, billing.Plan{Code: "new", Name: "New", Price: 100, Currency: "INR", TermMonths: 1, Active: true}); err != nil {
			t.Fatal(err)
		}
		if kinds, titles := includes(t, s, "new"); !kinds[offer.Premium] || !kinds[offer.Archive] || !kinds[offer.AdFree] || len(titles) != 3 {
			t.Errorf("a new plan includes %q, want premium stories, the archive and ad-free reading", titles)
		}
	})
}

// The database keeps one benefit of each built-in kind, and a plan's
// benefits are replaced whole or not at all.
func TestPlanBenefitsAreKeptByTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Exec(ctx, `INSERT INTO benefits (position, kind, title) VALUES (9, 'premium', 'A second premium')`); err == nil {
			t.Error("a second premium benefit was stored")
		}
		id, err := s.UpsertPlan(ctx, billing.Plan{Code: "p", Name: "P", Price: 100, Currency: "INR", TermMonths: 1, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		crossword, err := s.CreateBenefit(ctx, offer.Info, "Crossword", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPlanBenefits(ctx, id, []int64{crossword}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPlanBenefits(ctx, id, []int64{crossword, 987654}); !errors.Is(err, store.ErrInUse) {
			t.Errorf("a benefit that does not exist: %v, want ErrInUse", err)
		}
		if err := s.SetPlanBenefits(ctx, 987654, []int64{crossword}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a plan that does not exist: %v, want ErrNotFound", err)
		}
		if _, titles := includes(t, s, "p"); len(titles) != 1 || titles[0] != "Crossword" {
			t.Errorf("after refused changes the plan includes %q, want the crossword alone", titles)
		}
		// A benefit deleted leaves every plan; so does a plan deleted.
		if err := s.DeleteBenefit(ctx, crossword); err != nil {
			t.Fatal(err)
		}
		if _, titles := includes(t, s, "p"); len(titles) != 0 {
			t.Errorf("a deleted benefit is still included: %q", titles)
		}
		if err := s.DeletePlan(ctx, id, "p"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM plan_benefits`); err != nil || n != "0" {
			t.Errorf("plan_benefits after deleting the plan: %s rows, %v", n, err)
		}
	})
}
