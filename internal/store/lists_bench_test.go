package store_test

import (
	"context"
	"fmt"
	"math"
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

// listArchive is how many sections, authors and tags the generated
// stories are spread over.
type listArchive struct{ sections, authors, tags int }

// newspaperLists are a general newspaper's: eight sections, a staff of a
// few hundred, a few dozen tags.
var newspaperLists = listArchive{sections: 8, authors: 300, tags: 40}

// BenchmarkListPages measures the pages of a section, an author and a tag
// over generated stories (ARCHIVE_STORIES, 200,000 unless set) published
// over 30 years, one in ten a draft, each by one author with one tag: the
// first page of each and a page deep in the past (the cursor at June
// 1998), which keyset paging makes cost what the first does. It reports
// each's p50 and p95; EXPLAIN=1 prints the plans of the deep pages.
//
//	go test ./internal/store -run '^$' -bench ListPages -benchtime 50x
func BenchmarkListPages(b *testing.B) {
	n := 200_000
	if v := os.Getenv("ARCHIVE_STORIES"); v != "" {
		fmt.Sscan(v, &n)
	}
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	deep := &content.Cursor{PublishedAt: time.Date(1998, 6, 1, 0, 0, 0, 0, time.UTC), ID: math.MaxInt64}
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			start := time.Now()
			fillListArchive(b, s, n, newspaperLists)
			b.Logf("%s: %d stories stored in %v", engine, n, time.Since(start).Round(time.Millisecond))
			lists := []struct {
				name string
				list func(context.Context, time.Time, int64, *content.Cursor, int) ([]*content.Article, error)
				kind store.ListKind
			}{
				{"section", s.SectionArticles, store.SectionList},
				{"author", s.AuthorArticles, store.AuthorList},
				{"tag", s.TagArticles, store.TagList},
			}
			if os.Getenv("EXPLAIN") != "" {
				for _, l := range lists {
					plan, err := s.ExplainList(ctx, l.kind, now, 2, deep, content.PageSize+1)
					fmt.Fprintf(os.Stderr, "%s %s, deep:\n%s%v\n", engine, l.name, plan, err)
				}
			}
			type measured struct {
				name string
				took []time.Duration
			}
			var cases []*measured
			for _, l := range lists {
				for _, at := range []*content.Cursor{nil, deep} {
					m := &measured{name: l.name + " first"}
					if at != nil {
						m.name = l.name + " 1998"
					}
					cases = append(cases, m)
				}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			for b.Loop() {
				for i, l := range lists {
					for j, at := range []*content.Cursor{nil, deep} {
						id := 1 + rng.Int64N(int64(newspaperLists.sections))
						if l.kind == store.AuthorList {
							id = 1 + rng.Int64N(int64(newspaperLists.authors))
						} else if l.kind == store.TagList {
							id = 1 + rng.Int64N(int64(newspaperLists.tags))
						}
						t0 := time.Now()
						list, err := l.list(ctx, now, id, at, content.PageSize+1)
						if err != nil {
							b.Fatal(err)
						}
						cases[2*i+j].took = append(cases[2*i+j].took, time.Since(t0))
						if len(list) == 0 && at == nil && n >= 10_000 {
							b.Fatalf("%s %d after %v: no stories", l.name, id, at)
						}
					}
				}
			}
			for _, c := range cases {
				slices.Sort(c.took)
				d := c.took
				b.Logf("%s %s: p50 %v p95 %v", engine, c.name, d[len(d)/2].Round(time.Microsecond), d[len(d)*95/100].Round(time.Microsecond))
			}
		})
	}
}

// fillListArchive stores n stories spread over 1997 to 2026 in the
// sections of shape, each linked to one of its authors and one of its
// tags, written in bulk rather than through the console so a million take
// minutes, not hours. Sections, authors and tags have ids from 1.
func fillListArchive(b testing.TB, s *store.Store, n int, shape listArchive) {
	b.Helper()
	ctx := context.Background()
	for i := 1; i <= shape.sections; i++ {
		if _, err := s.CreateSection(ctx, content.Section{Slug: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("Section %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	secs, err := s.Sections(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= shape.authors; i++ {
		if err := s.Exec(ctx, `INSERT INTO authors (id, slug, name, name_key) VALUES ($1, $2, $3, $4)`,
			i, fmt.Sprintf("author-%d", i), fmt.Sprintf("Author %d", i), fmt.Sprintf("author %d", i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i <= shape.tags; i++ {
		if err := s.Exec(ctx, `INSERT INTO tags (id, slug, name) VALUES ($1, $2, $3)`, i, fmt.Sprintf("tag-%d", i), fmt.Sprintf("Tag %d", i)); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	since := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(since)
	const batch = 500
	for done := 0; done < n; done += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO articles (id, slug, headline, summary, body, section_id, status, published_at, updated_at) VALUES `)
		var args []any
		for i := done; i < min(n, done+batch); i++ {
			status := "published"
			if rng.IntN(10) == 0 {
				status = "draft"
			}
			// Whole minutes, so that stories share their times as a
			// busy newsroom's do.
			at := since.Add(time.Duration(rng.Int64N(int64(span/time.Minute))) * time.Minute)
			if i > done {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+8)
			args = append(args, i+1, fmt.Sprintf("gen-%d", i), "Headline", "Standfirst.", "Body.",
				secs[rng.IntN(len(secs))].ID, status, at.UTC())
		}
		if err := s.Exec(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	// Links scattered over authors and tags by a multiplicative hash of
	// the story's id, with the story's time as the console writes it.
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO article_authors (article_id, author_id, position, published_at)
			SELECT id, 1 + (id * 7919) %% %d, 0, published_at FROM articles`, shape.authors),
		fmt.Sprintf(`INSERT INTO article_tags (article_id, tag_id, position, published_at)
			SELECT id, 1 + (id * 104729) %% %d, 0, published_at FROM articles`, shape.tags),
	} {
		if err := s.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if !s.SingleWriter() {
		// As autovacuum would have by now: statistics and the visibility map.
		for _, table := range []string{"articles", "article_authors", "article_tags"} {
			if err := s.Exec(ctx, `VACUUM ANALYZE `+table); err != nil {
				b.Fatal(err)
			}
		}
	}
}
