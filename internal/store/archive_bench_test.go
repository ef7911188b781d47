package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// BenchmarkArchive measures the archive's statements over generated
// stories (ARCHIVE_STORIES, 200,000 unless set) published over 30 years,
// one in ten a draft: the counts of the years page (30 periods over every
// story), a year's months, a month's days, and a day's first page. It
// reports each's p50 and p95; EXPLAIN=1 prints the counts' plans.
//
//	go test ./internal/store -run '^$' -bench Archive -benchtime 20x
func BenchmarkArchive(b *testing.B) {
	n := 200_000
	if v := os.Getenv("ARCHIVE_STORIES"); v != "" {
		fmt.Sscan(v, &n)
	}
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, loc)
	var years, months, days []time.Time
	for y := 1997; y <= 2027; y++ {
		years = append(years, time.Date(y, 1, 1, 0, 0, 0, 0, loc))
	}
	for m := 1; m <= 13; m++ {
		months = append(months, time.Date(2015, time.Month(m), 1, 0, 0, 0, 0, loc))
	}
	for d := 1; d <= 32; d++ {
		days = append(days, time.Date(2015, 3, d, 0, 0, 0, 0, loc))
	}
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			start := time.Now()
			fillDatedArchive(b, s, n)
			b.Logf("%s: %d stories stored in %v", engine, n, time.Since(start).Round(time.Millisecond))
			if os.Getenv("EXPLAIN") != "" {
				plan, err := s.ExplainCountPublished(ctx, now, years[:3])
				fmt.Fprintf(os.Stderr, "%s years:\n%s%v\n", engine, plan, err)
			}
			cases := []struct {
				name string
				run  func() error
			}{
				{"years", func() error { _, err := s.CountPublished(ctx, now, years); return err }},
				{"months", func() error { _, err := s.CountPublished(ctx, now, months); return err }},
				{"days", func() error { _, err := s.CountPublished(ctx, now, days); return err }},
				{"day", func() error {
					_, err := s.PublishedBetween(ctx, now, days[9], days[10], nil, content.PageSize+1)
					return err
				}},
			}
			per := make([][]time.Duration, len(cases))
			for b.Loop() {
				for i, c := range cases {
					t0 := time.Now()
					if err := c.run(); err != nil {
						b.Fatal(err)
					}
					per[i] = append(per[i], time.Since(t0))
				}
			}
			for i, c := range cases {
				slices.Sort(per[i])
				d := per[i]
				b.Logf("%s %s: p50 %v p95 %v", engine, c.name, d[len(d)/2].Round(time.Microsecond), d[len(d)*95/100].Round(time.Microsecond))
			}
		})
	}
}

func fillDatedArchive(b *testing.B, s *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	if _, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"}); err != nil {
		b.Fatal(err)
	}
	secs, err := s.Sections(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	since := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(since)
	const batch = 500
	for done := 0; done < n; done += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO articles (slug, headline, summary, body, section_id, status, published_at, updated_at) VALUES `)
		var args []any
		for i := done; i < min(n, done+batch); i++ {
			status := "published"
			if i%10 == 0 {
				status = "draft"
			}
			at := since.Add(time.Duration(rng.Int64N(int64(span))))
			if i > done {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+7)
			args = append(args, fmt.Sprintf("gen-%d", i), "Headline", "Standfirst.", "Body.", secs[0].ID, status, at.UTC())
		}
		if err := s.Exec(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if !s.SingleWriter() {
		// As autovacuum would have by now: statistics and the visibility map.
		if err := s.Exec(ctx, `VACUUM ANALYZE articles`); err != nil {
			b.Fatal(err)
		}
	}
}
