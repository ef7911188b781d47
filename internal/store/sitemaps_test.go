package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// The sitemaps' keyset steps walk every published story once, oldest
// first, with stories published at the same instant (an import's) kept
// apart by id, and never a draft or a story not out yet; the recent list
// is the window asked for, newest first.
func TestSitemapKeysetWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secID, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		var want []string
		add := func(slug string, at time.Time, status content.Status) {
			a := &content.Article{Slug: slug, Headline: slug, Body: "Body.", SectionID: secID, Access: content.Free,
				PublishedAt: at, UpdatedAt: at, Status: status}
			if _, err := s.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
			if status == content.StatusPublished && !at.After(now) {
				want = append(want, slug)
			}
		}
		same := now.Add(-95 * time.Hour)
		for i := range 11 {
			at := now.Add(-time.Duration(100-i) * time.Hour)
			if i >= 3 && i < 8 {
				at = same // five at one instant, across a file's edge
			}
			add(fmt.Sprintf("story-%02d", i), at, content.StatusPublished)
		}
		add("draft", now.Add(-time.Hour), content.StatusDraft)
		add("later", now.Add(time.Hour), content.StatusPublished)

		const per = 3
		starts := []*content.Cursor{nil}
		for {
			next, ok, err := s.SitemapStart(ctx, now, starts[len(starts)-1], per)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			starts = append(starts, &next)
		}
		if len(starts) != (len(want)+per-1)/per {
			t.Errorf("%d files for %d stories of %d each", len(starts), len(want), per)
		}
		var got []string
		for _, from := range starts {
			list, err := s.SitemapStories(ctx, now, from, per)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range list {
				got = append(got, e.Slug)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("walked %v, want %v", got, want)
		}

		recent, err := s.RecentStories(ctx, now, same.Add(-time.Second), 100)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, e := range recent {
			slugs = append(slugs, e.Slug)
		}
		wantRecent := slices.Clone(want[3:])
		slices.Reverse(wantRecent)
		if !slices.Equal(slugs, wantRecent) {
			t.Errorf("recent stories %v, want %v", slugs, wantRecent)
		}
	})
}
