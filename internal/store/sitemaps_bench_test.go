package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store/storetest"
)

// BenchmarkSitemap measures the sitemaps' statements over generated
// stories (ARCHIVE_STORIES, 200,000 unless set): the index's keyset steps
// of 50,000 stories, each file's lastmod, and a full stories file (the first: 50,000) read a
// thousand at a time, as the sitemaps service reads them. EXPLAIN=1
// prints a batch's plan.
//
//	go test ./internal/store -run '^$' -bench Sitemap -benchtime 5x
func BenchmarkSitemap(b *testing.B) {
	n := 200_000
	if v := os.Getenv("ARCHIVE_STORIES"); v != "" {
		fmt.Sscan(v, &n)
	}
	const per, batch = 50_000, 1000
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			fillDatedArchive(b, s, n)
			if os.Getenv("EXPLAIN") != "" {
				plan, err := s.ExplainSitemapStories(ctx, now, &content.Cursor{PublishedAt: now.AddDate(-10, 0, 0), ID: 1}, batch)
				fmt.Fprintf(os.Stderr, "%s stories file:\n%s%v\n", engine, plan, err)
			}
			var starts []*content.Cursor
			b.Run("index", func(b *testing.B) {
				for b.Loop() {
					starts = []*content.Cursor{nil}
					for {
						next, ok, err := s.SitemapStart(ctx, now, starts[len(starts)-1], per)
						if err != nil {
							b.Fatal(err)
						}
						if !ok {
							break
						}
						starts = append(starts, &next)
					}
				}
				b.ReportMetric(float64(len(starts)), "files")
			})
			// Each file's lastmod, as the index is built: the latest
			// change in the file's range.
			if os.Getenv("EXPLAIN") != "" && len(starts) > 1 {
				plan, err := s.ExplainSitemapLastChange(ctx, now, starts[0], starts[1])
				fmt.Fprintf(os.Stderr, "%s first file's lastmod:\n%s%v\n", engine, plan, err)
			}
			b.Run("lastmod", func(b *testing.B) {
				for b.Loop() {
					for i, from := range starts {
						var to *content.Cursor
						if i+1 < len(starts) {
							to = starts[i+1]
						}
						if _, ok, err := s.SitemapLastChange(ctx, now, from, to); err != nil || !ok {
							b.Fatal(ok, err)
						}
					}
				}
				b.ReportMetric(float64(len(starts)), "files")
			})
			b.Run("file", func(b *testing.B) {
				for b.Loop() {
					var from *content.Cursor
					listed := 0
					for listed < per {
						list, err := s.SitemapStories(ctx, now, from, min(batch, per-listed))
						if err != nil {
							b.Fatal(err)
						}
						listed += len(list)
						if len(list) < batch {
							break
						}
						last := list[len(list)-1]
						from = &content.Cursor{PublishedAt: last.PublishedAt, ID: last.ID + 1}
					}
					b.ReportMetric(float64(listed), "stories")
				}
			})
		})
	}
}
