package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/archive"
	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// BenchmarkSearchArchive measures the archive benchmark's search mix
// (docs/benchmarks.md, "Archive benchmark") in the store, on the stories
// `broadsheet gen-archive --seed 1` writes (ARCHIVE_STORIES, 200,000
// unless set), stored straight into the table without the importer's
// rendering, links and redirects. Each query asks for a page of 21, as
// /search does; it reports each query's p50 and p95 and the mix's.
//
//	ARCHIVE_STORIES=200000 go test ./internal/store -run '^$' -bench SearchArchive -benchtime 20x
//
// SEARCH_ENGINES=postgres measures one engine; SEARCH_PG_SCHEMA=name keeps
// the PostgreSQL stories in that schema between runs (filled when empty,
// never dropped), so that two builds can be compared on the same rows.
// EXPLAIN=1 prints each query's plan.
func BenchmarkSearchArchive(b *testing.B) {
	n := 200_000
	if v := os.Getenv("ARCHIVE_STORIES"); v != "" {
		fmt.Sscan(v, &n)
	}
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	years := func(p *content.SearchParams) {
		p.Section = "sport"
		p.From, p.Until = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	mix := []struct {
		q   string
		set func(*content.SearchParams)
	}{
		{"government", nil},
		{"telescope", nil},
		{"inflation bank", nil},
		{`"interest rates"`, nil},
		{"infla*", nil},
		{"court -police", nil},
		{"cricket", years},
		{"election", func(p *content.SearchParams) { p.Sort = content.ByDate }},
		{"किसान", nil},
	}
	engines := storetest.Engines
	if v := os.Getenv("SEARCH_ENGINES"); v != "" {
		engines = strings.Fields(v)
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := openSearchArchive(b, engine)
			start := time.Now()
			if filled := fillGeneratedArchive(b, s, n, until); filled > 0 {
				b.Logf("%s: %d stories stored in %v", engine, filled, time.Since(start).Round(time.Millisecond))
			}
			params := func(i int) content.SearchParams {
				q, err := content.ParseQuery(mix[i].q)
				if err != nil {
					b.Fatal(err)
				}
				p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 21, Now: until}
				if mix[i].set != nil {
					mix[i].set(&p)
				}
				return p
			}
			if os.Getenv("EXPLAIN") != "" {
				for i := range mix {
					plan, err := s.ExplainSearch(ctx, params(i))
					fmt.Fprintf(os.Stderr, "%s %q:\n%s%v\n", engine, mix[i].q, plan, err)
				}
			}
			// One unmeasured pass, as a server warmed by earlier readers.
			for i := range mix {
				if _, err := s.SearchArticles(ctx, params(i)); err != nil {
					b.Fatal(err)
				}
			}
			var all []time.Duration
			per := make([][]time.Duration, len(mix))
			found := make([]int, len(mix))
			for b.Loop() {
				for i := range mix {
					p := params(i)
					t0 := time.Now()
					list, err := s.SearchArticles(ctx, p)
					if err != nil {
						b.Fatal(err)
					}
					d := time.Since(t0)
					all, per[i], found[i] = append(all, d), append(per[i], d), len(list)
				}
			}
			b.ReportMetric(ms(percentile(all, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(all, 95)), "p95-ms")
			for i, m := range mix {
				fmt.Fprintf(os.Stderr, "%s %-18q p50 %7.2f ms  p95 %7.2f ms  (%d found)\n", engine, m.q,
					ms(percentile(per[i], 50)), ms(percentile(per[i], 95)), found[i])
			}
			fmt.Fprintf(os.Stderr, "%s %-18s p50 %7.2f ms  p95 %7.2f ms\n", engine, "whole mix", ms(percentile(all, 50)), ms(percentile(all, 95)))
		})
	}
}

// openSearchArchive opens a fresh store on engine, or on PostgreSQL the
// kept schema SEARCH_PG_SCHEMA, made and migrated when new.
func openSearchArchive(b *testing.B, engine string) *store.Store {
	schema := os.Getenv("SEARCH_PG_SCHEMA")
	if engine != "postgres" || schema == "" {
		return storetest.Open(b, engine)
	}
	base := os.Getenv("BROADSHEET_TEST_POSTGRES")
	if base == "" {
		base = storetest.DefaultPostgres
	}
	admin, err := store.Open(context.Background(), base)
	if err != nil {
		b.Fatal(err)
	}
	err = admin.Exec(context.Background(), `CREATE SCHEMA IF NOT EXISTS `+schema)
	admin.Close()
	if err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := store.Open(context.Background(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// fillGeneratedArchive stores n stories of archive.Generate when the
// store has none, in multi-row INSERTs (the search index kept by the
// database as they go in), and returns how many it stored.
func fillGeneratedArchive(b *testing.B, s *store.Store, n int, until time.Time) int {
	b.Helper()
	ctx := context.Background()
	if have, err := s.CountArticles(ctx); err != nil {
		b.Fatal(err)
	} else if have > 0 {
		b.Logf("%d stories already stored", have)
		return 0
	}
	slugs := map[string]string{"News": "news", "Politics": "politics", "Business": "business", "World": "world",
		"Sport": "sport", "Culture": "culture", "Science": "science", "Opinion": "opinion"}
	secs := map[string]int64{}
	for name, slug := range slugs {
		id, err := s.CreateSection(ctx, content.Section{Slug: slug, Name: name})
		if err != nil {
			b.Fatal(err)
		}
		secs[name] = id
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(archive.Generate(pw, archive.GenOptions{Stories: n, Since: 1997, Until: until, Seed: 1}))
	}()
	dec := json.NewDecoder(pr)
	plain := strings.NewReplacer("<p>", "", "</p>", "", "<h2>", "", "</h2>", "", "## ", "")
	const batch = 400
	stored := 0
	for more := true; more; {
		var q strings.Builder
		q.WriteString(`INSERT INTO articles (slug, headline, summary, body, section_id, published_at, updated_at) VALUES `)
		var args []any
		for len(args) < batch*6 {
			var r archive.Record
			if err := dec.Decode(&r); err == io.EOF {
				more = false
				break
			} else if err != nil {
				b.Fatal(err)
			}
			at, err := time.Parse(time.RFC3339, r.PublishedAt)
			if err != nil {
				b.Fatal(err)
			}
			if len(args) > 0 {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+6)
			args = append(args, fmt.Sprintf("gen-%d", stored), r.Headline, r.Standfirst, plain.Replace(r.Body), secs[r.Section], at.UTC())
			stored++
		}
		if len(args) == 0 {
			break
		}
		if err := s.Exec(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if !s.SingleWriter() {
		// As autovacuum would have by now: the planner's statistics and
		// the visibility map.
		if err := s.Exec(ctx, `VACUUM ANALYZE articles`); err != nil {
			b.Fatal(err)
		}
	}
	return stored
}
