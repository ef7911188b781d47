package store_test

import (
	"context"
	"errors"
	"testing"

	"broadsheet/internal/offer"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// benefitTitles lists the titles of the benefits that are not built in,
// in order.
func benefitTitles(t *testing.T, s *store.Store) []string {
	t.Helper()
	list, err := s.Benefits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range list {
		if !b.Kind.Builtin() {
			out = append(out, b.Title)
		}
	}
	return out
}

// A publication that offered plans before migration 0015 keeps the list
// its offer page showed, now as data naming it by {{publication}}; a new
// database starts with none but the built-in benefits (migration 0032).
func TestOfferingPublicationsKeepTheirBenefitsAfterMigration0015(t *testing.T) {
	eachMigratedFrom(t, 14, func(t *testing.T, ctx context.Context, old *store.Store) {
		if err := old.Exec(ctx, `INSERT INTO plans (code, name, price_paise, term_months) VALUES ('yearly', 'Yearly', 270000, 12)`); err != nil {
			t.Fatal(err)
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		list, err := s.Benefits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 8 || list[0].Title != "Exclusive premium stories online" || list[2].Title != "{{publication}} Epaper" ||
			list[1].Body != "News, Games, Cooking, Audio, Wirecutter & The Athletic" || list[7].Title != "Seamless Access Across All Devices" {
			t.Fatalf("benefits after 0015: %+v", list)
		}
	})
	eachMigratedFrom(t, 14, func(*testing.T, context.Context, *store.Store) {}, func(t *testing.T, ctx context.Context, s *store.Store) {
		if titles := benefitTitles(t, s); len(titles) != 0 {
			t.Errorf("a database without plans has benefits beside the built-in ones: %q", titles)
		}
	})
}

func TestBenefitsKeepTheirOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := map[string]int64{}
		for _, title := range []string{"A", "B", "C"} {
			id, err := s.CreateBenefit(ctx, offer.Info, title, "about "+title)
			if err != nil {
				t.Fatal(err)
			}
			ids[title] = id
		}
		steps := []struct {
			id   int64
			by   int
			want string
		}{
			{ids["C"], -1, "ACB"}, {ids["C"], -1, "CAB"}, {ids["C"], -1, "CAB"}, {ids["A"], 1, "CBA"}, {ids["A"], 1, "CBA"},
		}
		for i, c := range steps {
			if err := s.MoveBenefit(ctx, c.id, c.by); err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, title := range benefitTitles(t, s) {
				got += title
			}
			if got != c.want {
				t.Errorf("step %d: order %s, want %s", i+1, got, c.want)
			}
		}
		if err := s.UpdateBenefit(ctx, ids["B"], "Bee", "buzz"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBenefit(ctx, ids["C"]); err != nil {
			t.Fatal(err)
		}
		if id, err := s.CreateBenefit(ctx, offer.Info, "D", ""); err != nil {
			t.Fatal(err)
		} else if err := s.MoveBenefit(ctx, id, -1); err != nil {
			t.Fatal(err)
		}
		if got := benefitTitles(t, s); len(got) != 3 || got[0] != "Bee" || got[1] != "D" || got[2] != "A" {
			t.Errorf("after edits: %q, want Bee, D, A", got)
		}
		for name, err := range map[string]error{
			"update": s.UpdateBenefit(ctx, ids["C"], "x", ""),
			"delete": s.DeleteBenefit(ctx, ids["C"]),
			"move":   s.MoveBenefit(ctx, ids["C"], 1),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of a deleted benefit: %v, want ErrNotFound", name, err)
			}
		}
		var _ offer.Store = s
	})
}
