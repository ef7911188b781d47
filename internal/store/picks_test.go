package store_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// Moves of editors' picks sent at once leave one order: every pick once,
// each in a place of its own.
func TestConcurrentPickMovesKeepOneOrder(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine)
			sec, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 15, 4, 0, 0, 0, time.UTC)
			for i := range 8 {
				a := &content.Article{Slug: "pick-" + strconv.Itoa(i), Headline: "Pick", Body: "One.", SectionID: sec,
					Access: content.Metered, EditorsPick: true, PublishedAt: now, UpdatedAt: now}
				if _, err := s.CreateArticle(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			picks, err := s.Picks(ctx, 100)
			if err != nil || len(picks) != 8 {
				t.Fatalf("%d picks (%v)", len(picks), err)
			}
			var wg sync.WaitGroup
			for i := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.MovePick(ctx, picks[i%8].ID, []int{-1, 1}[i%2]); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, err := s.QueryString(ctx, `SELECT COUNT(DISTINCT pick_position) || '/' || COUNT(*) FROM articles WHERE editors_pick`)
			if err != nil || got != "8/8" {
				t.Errorf("distinct places / picks = %s (%v), want 8/8", got, err)
			}
			if found, err := s.MovePick(ctx, picks[0].ID+1000, -1); found || err != nil {
				t.Errorf("moving a story that is not a pick: found %v, %v", found, err)
			}
		})
	}
}

// The front page's picks are read from their own index, not by walking
// the published stories: SQLite, which keeps no statistics, chose the
// index of published stories and read all of an imported archive's
// stories to find a handful of picks.
func TestEditorsPicksReadTheirOwnIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sec, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 15, 4, 0, 0, 0, time.UTC)
		var list []*content.Article
		for i := range 500 {
			at := now.Add(-time.Duration(i) * time.Hour)
			list = append(list, &content.Article{Slug: "story-" + strconv.Itoa(i), Headline: "Story", Body: "One.", SectionID: sec,
				Access: content.Metered, EditorsPick: i == 40 || i == 400, PublishedAt: at, UpdatedAt: at})
		}
		if err := s.ImportArticles(ctx, list); err != nil {
			t.Fatal(err)
		}
		picks, err := s.EditorsPicks(ctx, now, 10)
		if err != nil || len(picks) != 2 {
			t.Fatalf("%d picks (%v), want 2", len(picks), err)
		}
		if !s.SingleWriter() {
			return // PostgreSQL plans from its statistics of the table
		}
		plan, err := s.ExplainEditorsPicks(ctx, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "articles_picks") || strings.Contains(plan, "articles_status_published") {
			t.Errorf("the picks' plan:\n%s", plan)
		}
	})
}
