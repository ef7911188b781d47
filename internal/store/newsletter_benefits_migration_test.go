package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/offer"
	"broadsheet/internal/store"
)

// Migration 0040 gates each list for subscribers by the premium benefit,
// which gated it until then, and leaves each list for registered readers
// open: nobody gains or loses a list by the upgrade. The reference offer's
// "Curated Newsletters" line becomes the curated-newsletters benefit. Afterwards the
// database refuses a list gated by a benefit that does not exist, and
// the deletion of a benefit that gates a list.
func TestNewsletterListsAreGatedByABenefitAfterMigration0040(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 39, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO newsletter_lists (slug, name, audience, position, created_at) VALUES ('markets', 'Markets', 'subscribers', 1, $1)`,
			`INSERT INTO newsletter_lists (slug, name, audience, position, created_at) VALUES ('finance', 'Finance', 'registered', 2, $1)`,
		} {
			if err := old.Exec(ctx, q, t0); err != nil {
				t.Fatal(err)
			}
		}
		for _, title := range []string{"Curated Newsletters", "Seamless Access Across All Devices"} {
			if err := old.Exec(ctx, `INSERT INTO benefits (position, kind, title) VALUES (10, 'info', $1)`, title); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		benefits, err := s.Benefits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var premium int64
		for _, b := range benefits {
			if b.Kind == offer.Premium {
				premium = b.ID
			}
		}
		if premium == 0 {
			t.Fatal("no premium benefit after the migrations")
		}
		for _, b := range benefits {
			want := map[string]offer.Kind{"Curated Newsletters": offer.Newsletters, "Seamless Access Across All Devices": offer.Info}[b.Title]
			if want != "" && b.Kind != want {
				t.Errorf("%q after 0040: kind %s, want %s", b.Title, b.Kind, want)
			}
		}
		lists, err := s.NewsletterLists(ctx)
		if err != nil || len(lists) != 2 {
			t.Fatalf("lists %+v, %v", lists, err)
		}
		if m := lists[0]; m.Slug != "markets" || m.BenefitID != premium || m.BenefitKind != offer.Premium || !m.Gated() {
			t.Errorf("the subscribers' list after 0040: %+v, want gated by premium (%d)", m, premium)
		}
		if f := lists[1]; f.Slug != "finance" || f.BenefitID != 0 || f.Gated() {
			t.Errorf("the registered readers' list after 0040: %+v, want open", f)
		}
		if _, err := s.QueryString(ctx, `SELECT audience FROM newsletter_lists`); err == nil {
			t.Error("newsletter_lists still has audience after 0040")
		}
		if err := s.DeleteBenefit(ctx, premium); !errors.Is(err, store.ErrInUse) {
			t.Errorf("deleting the benefit that gates Markets: %v, want ErrInUse", err)
		}
		gone := lists[1]
		gone.BenefitID = 987654
		if err := s.UpdateNewsletterList(ctx, gone); !errors.Is(err, store.ErrInUse) {
			t.Errorf("gating a list by no benefit: %v, want ErrInUse", err)
		}
		crossword, err := s.CreateBenefit(ctx, offer.Newsletters, "Crossword club", "")
		if err != nil {
			t.Fatal(err)
		}
		gone.BenefitID = crossword
		if err := s.UpdateNewsletterList(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBenefit(ctx, crossword); !errors.Is(err, store.ErrInUse) {
			t.Errorf("deleting a newsletters benefit that gates a list: %v, want ErrInUse", err)
		}
		gone.BenefitID = 0
		if err := s.UpdateNewsletterList(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBenefit(ctx, crossword); err != nil {
			t.Errorf("deleting a benefit no list is gated by: %v", err)
		}
	})
}
