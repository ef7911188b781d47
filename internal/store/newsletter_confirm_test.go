package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"broadsheet/internal/newsletter"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A confirmation joins only lists the sign-up asked for and that still
// exist, whatever the caller passes: a list removed after the service
// looked is left out, and the caller is told what was joined. A list
// with an issue is not removed; removing one takes its members with it.
func TestConfirmedSignupJoinsOnlyListsThatStillExist(t *testing.T) {
	now := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var ids []int64
			for _, slug := range []string{"alpha", "beta", "gamma", "delta"} {
				id, err := s.CreateNewsletterList(ctx, newsletter.List{Slug: slug, Name: slug}, now)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			alpha, beta, gamma, delta := ids[0], ids[1], ids[2], ids[3]
			if err := s.CreateNewsletterSignup(ctx, "hash", "a@example.com", []int64{alpha, beta, gamma}, now.Add(time.Hour), now); err != nil {
				t.Fatal(err)
			}
			if err := s.JoinNewsletters(ctx, "member@example.com", []int64{beta}, now); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteNewsletterList(ctx, beta); err != nil {
				t.Fatalf("removing beta: %v", err)
			}
			if on, err := s.NewsletterMemberships(ctx, "member@example.com"); err != nil || len(on) != 0 {
				t.Errorf("beta's member is on %v, %v after its removal", on, err)
			}
			if err := s.DeleteNewsletterList(ctx, beta); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("removing beta again: %v, want ErrNotFound", err)
			}
			// delta was not asked for; gamma is not passed (not entitled).
			email, joined, err := s.ConfirmNewsletterSignup(ctx, "hash", []int64{alpha, beta, delta, alpha}, now)
			if err != nil || email != "a@example.com" || !slices.Equal(joined, []int64{alpha}) {
				t.Fatalf("confirm: %q %v %v, want only alpha", email, joined, err)
			}
			if on, err := s.NewsletterMemberships(ctx, "a@example.com"); err != nil || !slices.Equal(on, []int64{alpha}) {
				t.Errorf("on %v, %v: want only alpha", on, err)
			}
			if _, _, err := s.ConfirmNewsletterSignup(ctx, "hash", []int64{alpha}, now); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("second confirmation: %v, want ErrNotFound", err)
			}

			if _, err := s.CreateNewsletterIssue(ctx, &newsletter.Issue{ListID: gamma, Subject: "One"}, now); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteNewsletterList(ctx, gamma); !errors.Is(err, store.ErrInUse) {
				t.Errorf("removing gamma, which has an issue: %v, want ErrInUse", err)
			}
			if lists, err := s.NewsletterLists(ctx); err != nil || len(lists) != 3 {
				t.Errorf("lists %v, %v: want alpha, gamma and delta", lists, err)
			}
		})
	}
}
