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

// BenchmarkConsoleListOneMillion measures the newsroom's list of stories
// with 1,000,000 stories stored: the newest page, a page deep into the
// past, by state, by section, and by words in the headline.
//
//	go test ./internal/store -run '^$' -bench ConsoleList -benchtime 20x
func BenchmarkConsoleListOneMillion(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			fillMillion(b, s)
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			cases := []struct {
				name string
				f    content.StoryFilter
			}{
				{"newest", content.StoryFilter{}},
				{"deep page", content.StoryFilter{Before: 400_000}},
				{"drafts", content.StoryFilter{State: "draft"}},
				{"published", content.StoryFilter{State: "published"}},
				{"section", content.StoryFilter{Section: "s3"}},
				{"common word", content.StoryFilter{Query: "market"}},
				{"rare word", content.StoryFilter{Query: "story 777777"}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					f := c.f
					f.Limit, f.Now = 51, now
					for b.Loop() {
						if _, err := s.ListStories(ctx, f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// fillMillion stores 1,000,000 short stories over six sections, one in a
// hundred a draft, in one statement.
func fillMillion(b *testing.B, s *store.Store) {
	b.Helper()
	ctx := context.Background()
	for i := range 6 {
		if _, err := s.CreateSection(ctx, content.Section{Slug: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("Section %d", i), Position: i}); err != nil {
			b.Fatal(err)
		}
	}
	series := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT i FROM n`
	at := `datetime('2026-11-30 00:00:00', '-' || i || ' minutes')`
	if !s.SingleWriter() {
		series = `SELECT i FROM generate_series(1, 1000000) AS i`
		at = `TIMESTAMPTZ '2026-11-30 00:00:00Z' - i * INTERVAL '1 minute'`
	}
	start := time.Now()
	err := s.Exec(ctx, `INSERT INTO articles (slug, headline, body, section_id, published_at, updated_at, status)
		SELECT 'story-' || i, CASE WHEN i % 10 = 0 THEN 'Market story ' ELSE 'Story ' END || i, 'Body.',
			(SELECT id FROM sections WHERE slug = 's' || (i % 6)),
			`+at+`, `+at+`,
			CASE WHEN i % 100 = 0 THEN 'draft' ELSE 'published' END
		FROM (`+series+`) AS series`)
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum would after a bulk load, so the planner knows the table.
	if err := s.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("1,000,000 stories stored in %s", time.Since(start).Round(time.Millisecond))
}
