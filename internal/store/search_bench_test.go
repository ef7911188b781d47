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

// BenchmarkSearch measures readers' searches over 100,000 generated
// stories (bodies of about 120 words from a 5,000-word vocabulary drawn
// with a skew, so some words are common and most rare; one story in
// twenty in Hindi), a page of 20 for each query of a mix: one word common
// and rare, two words, a phrase, a prefix, filtered by section and years,
// by date, a Hindi word. It reports each engine's p50 and p95 over the mix.
//
//	go test ./internal/store -run '^$' -bench Search -benchtime 20x
func BenchmarkSearch(b *testing.B) {
	const stories = 100_000
	mix := []struct {
		q   string
		set func(*content.SearchParams)
	}{
		{"common", nil},
		{"rare", nil},
		{"common rare", nil},
		{"common monsoon", nil},
		{`"central bank"`, nil},
		{"infla*", nil},
		{"monsoon", func(p *content.SearchParams) {
			p.Section = "s2"
			p.From, p.Until = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
		}},
		{"monsoon", func(p *content.SearchParams) { p.Sort = content.ByDate }},
		{"मानसून", nil},
		{"bank -central", nil},
	}
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			start := time.Now()
			fillSearchArchive(b, s, stories)
			b.Logf("%s: %d stories stored and indexed in %v", engine, stories, time.Since(start).Round(time.Millisecond))
			if os.Getenv("EXPLAIN") != "" {
				for _, m := range mix {
					q, _ := content.ParseQuery(m.q)
					p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 21, Now: time.Now()}
					if m.set != nil {
						m.set(&p)
					}
					plan, err := s.ExplainSearch(ctx, p)
					fmt.Fprintf(os.Stderr, "%s %q:\n%s%v\n", engine, m.q, plan, err)
				}
			}
			var all []time.Duration
			per := make([][]time.Duration, len(mix))
			for b.Loop() {
				for i, m := range mix {
					q, err := content.ParseQuery(m.q)
					if err != nil {
						b.Fatal(err)
					}
					p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 21, Now: time.Now()}
					if m.set != nil {
						m.set(&p)
					}
					t0 := time.Now()
					if _, err := s.SearchArticles(ctx, p); err != nil {
						b.Fatal(err)
					}
					d := time.Since(t0)
					all, per[i] = append(all, d), append(per[i], d)
				}
			}
			b.ReportMetric(ms(percentile(all, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(all, 95)), "p95-ms")
			for i, m := range mix {
				fmt.Fprintf(os.Stderr, "%s %-18q p50 %7.2f ms  p95 %7.2f ms\n", engine, m.q, ms(percentile(per[i], 50)), ms(percentile(per[i], 95)))
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// fillSearchArchive stores n generated stories over six sections and the
// years since 1997, in batches of multi-row INSERTs (the search index is
// kept by the database as they go in).
func fillSearchArchive(b *testing.B, s *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range 6 {
		if _, err := s.CreateSection(ctx, content.Section{Slug: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("Section %d", i), Position: i}); err != nil {
			b.Fatal(err)
		}
	}
	secs, err := s.Sections(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if !s.SingleWriter() {
		// As autovacuum would have by now: the planner's statistics.
		defer func() {
			if err := s.Exec(ctx, `ANALYZE articles`); err != nil {
				b.Fatal(err)
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	syll := []string{"ka", "ri", "to", "ne", "sa", "mo", "lu", "de", "pa", "vi", "ro", "ge", "ha", "ti", "bo", "mi"}
	for i := range vocab {
		var w strings.Builder
		for k := 0; k < 2+i%3; k++ {
			w.WriteString(syll[rng.IntN(len(syll))])
		}
		vocab[i] = w.String()
	}
	// Known words at known rates: "common" in about half the stories,
	// "rare" in one in a thousand, and news words in between.
	special := []struct {
		word string
		in   int // one story in
	}{{"common", 2}, {"rare", 1000}, {"central bank", 20}, {"bank", 10}, {"inflation", 30}, {"inflationary", 60}, {"monsoon", 15}}
	hindi := strings.Fields("भारत में मानसून की बारिश किसानों को राहत शेयर बाज़ार तेज़ी निवेशक सरकार नीति")
	word := func() string { return vocab[int(float64(len(vocab))*rng.Float64()*rng.Float64())] }
	since := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(since)
	const batch = 200
	for done := 0; done < n; done += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO articles (slug, headline, summary, body, section_id, published_at, updated_at) VALUES `)
		var args []any
		for i := done; i < min(n, done+batch); i++ {
			var head, body []string
			if i%20 == 0 {
				for range 8 {
					head = append(head, hindi[rng.IntN(len(hindi))])
				}
				for range 100 {
					body = append(body, hindi[rng.IntN(len(hindi))])
				}
			} else {
				for range 8 {
					head = append(head, word())
				}
				for range 120 {
					body = append(body, word())
				}
				for _, sp := range special {
					if rng.IntN(sp.in) == 0 {
						if rng.IntN(4) == 0 {
							head[rng.IntN(len(head))] = sp.word
						} else {
							body[rng.IntN(len(body))] = sp.word
						}
					}
				}
			}
			at := since.Add(time.Duration(rng.Int64N(int64(span))))
			if i > done {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3, len(args)+4, len(args)+5, len(args)+6, len(args)+6)
			args = append(args, fmt.Sprintf("gen-%d", i), strings.Join(head, " "), strings.Join(body[:15], " ")+".",
				strings.Join(body[15:], " ")+".", secs[i%len(secs)].ID, at.UTC())
		}
		if err := s.Exec(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
}
