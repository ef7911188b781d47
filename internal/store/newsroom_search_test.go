package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// fillStories stores n stories named story-1 to story-n in one statement;
// every thousandth has "Monsoon" in its headline.
func fillStories(t *testing.T, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"}); err != nil {
		t.Fatal(err)
	}
	series := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n`, n)
	if !s.SingleWriter() {
		series = fmt.Sprintf(`SELECT i FROM generate_series(1, %d) AS i`, n)
	}
	if err := s.Exec(ctx, `INSERT INTO articles (slug, headline, body, section_id, published_at, updated_at)
		SELECT 'story-' || i, CASE WHEN i % 1000 = 0 THEN 'Monsoon story ' ELSE 'Story ' END || i, 'Body.',
			(SELECT id FROM sections), $1, $1
		FROM (`+series+`) AS series`, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// A headline search pages through every match exactly once, newest first,
// on both engines, including matches older than the newest stories that
// PostgreSQL walks before it asks the index.
func TestHeadlineSearchPagesThroughEveryMatch(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine)
			fillStories(t, s, 12_000)
			for _, q := range []string{"monsoon", "MONSOON", "monso", "  monsoon!!", "monsoon stor"} {
				var got []string
				f := content.StoryFilter{Query: q, Limit: 5, Now: time.Now()}
				for page := 0; page < 10; page++ {
					list, err := s.ListStories(ctx, f)
					if err != nil {
						t.Fatalf("%q: %v", q, err)
					}
					for _, a := range list {
						got = append(got, a.Slug)
					}
					if len(list) < f.Limit {
						break
					}
					f.Before = list[len(list)-1].ID
				}
				want := []string{}
				for i := 12; i >= 1; i-- {
					want = append(want, fmt.Sprintf("story-%d", i*1000))
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%q found %v, want %v", q, got, want)
				}
			}
			// Whatever is typed, it is words, never the engines' syntax.
			for _, q := range []string{`"); DROP TABLE articles; --`, `NEAR(a b)`, `*`, `"`, `'`, `a:* | b`, `monsoon OR story`, `-monsoon`, `!!!`} {
				if _, err := s.ListStories(ctx, content.StoryFilter{Query: q, Limit: 5, Now: time.Now()}); err != nil {
					t.Errorf("search %q: %v", q, err)
				}
			}
			if n, err := s.CountArticles(ctx); err != nil || n != 12_000 {
				t.Errorf("%d stories after the searches (%v)", n, err)
			}
		})
	}
}

// The headline index follows every save and deletion.
func TestHeadlineSearchFollowsEdits(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine)
			fillStories(t, s, 10)
			now := time.Now()
			find := func(q string) []string {
				list, err := s.ListStories(ctx, content.StoryFilter{Query: q, Limit: 10, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				var slugs []string
				for _, a := range list {
					slugs = append(slugs, a.Slug)
				}
				return slugs
			}
			a, err := s.StoryByID(ctx, 3)
			if err != nil {
				t.Fatal(err)
			}
			a.Headline = "Cyclone nears the coast"
			if err := s.SaveStory(ctx, a, 0, nil, now); err != nil {
				t.Fatal(err)
			}
			if got := find("cyclone"); fmt.Sprint(got) != "[story-3]" {
				t.Errorf("after the edit, cyclone finds %v", got)
			}
			if got := find("story 3"); len(got) != 0 {
				t.Errorf("the old headline is still found: %v", got)
			}
			if err := s.DeleteArticle(ctx, a.ID, now); err != nil {
				t.Fatal(err)
			}
			if got := find("cyclone"); len(got) != 0 {
				t.Errorf("a deleted story is found: %v", got)
			}
		})
	}
}
