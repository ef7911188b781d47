package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
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
