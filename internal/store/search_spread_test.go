package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// windowStory is a story of the spread archive, as the test knows it.
type windowStory struct {
	id      int64
	section string
	at      time.Time
	words   []string // headline, standfirst and body, lower-cased, in order
	draft   bool
}

// fillSpreadArchive stores n stories over 1997 to 2026, more in the later
// years, many sharing their day, with words at known rates: alpha in most,
// beta in some, gamma and delta rare, "interest rates" as a phrase in a few
// (and "interest rates rise" in fewer) and the two words apart in more,
// inflation and inflationary, and filler.
func fillSpreadArchive(t *testing.T, s *store.Store, n int) []windowStory {
	t.Helper()
	ctx := context.Background()
	secs := map[string]int64{}
	for _, slug := range []string{"news", "sport", "business"} {
		id, err := s.CreateSection(ctx, content.Section{Slug: slug, Name: slug})
		if err != nil {
			t.Fatal(err)
		}
		secs[slug] = id
	}
	rng := rand.New(rand.NewPCG(7, 11))
	since := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(since)
	filler := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor")
	rates := []struct {
		words string
		in    int // per thousand
	}{{"alpha", 600}, {"beta", 150}, {"gamma", 20}, {"delta", 4}, {"interest rates", 30}, {"interest rates rise", 10}, {"interest", 80}, {"rates", 80},
		{"inflation", 50}, {"inflationary", 30}}
	var list []*content.Article
	var known []windowStory
	for i := range n {
		var words []string
		for range 30 {
			words = append(words, filler[rng.IntN(len(filler))])
		}
		for _, r := range rates {
			if rng.IntN(1000) < r.in {
				// In the body: a phrase across two columns is one on
				// PostgreSQL (its tsvectors are joined) but not on SQLite.
				at := 10 + rng.IntN(len(words)-9)
				words = slices.Insert(words, at, strings.Fields(r.words)...)
			}
		}
		// More stories in the later years; whole days, so that many share
		// their time and paging must order by id too.
		u := rng.Float64()
		at := since.Add(time.Duration(float64(span) * (1 - u*u))).Truncate(24 * time.Hour)
		sec := []string{"news", "sport", "business"}[i%3]
		st := content.StatusPublished
		if i%50 == 0 {
			st = content.StatusDraft
		}
		list = append(list, &content.Article{Slug: fmt.Sprintf("spread-%d", i), Headline: strings.Join(words[:5], " "),
			Summary: strings.Join(words[5:10], " "), Body: strings.Join(words[10:], " "), SectionID: secs[sec],
			Access: content.Metered, Status: st, PublishedAt: at, UpdatedAt: at})
		known = append(known, windowStory{section: sec, at: at, words: words, draft: st == content.StatusDraft})
	}
	if err := s.ImportArticles(ctx, list); err != nil {
		t.Fatal(err)
	}
	for i, a := range list {
		id, err := s.QueryString(ctx, `SELECT id FROM articles WHERE slug = $1`, a.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if known[i].id, err = strconv.ParseInt(id, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	return known
}

// matchesQuery says whether a story's words match q, as both engines'
// indexes should: every term found (a phrase's words in a row, a prefix's
// last word begun), no excluded term found.
func matchesQuery(words []string, q content.Query) bool {
	has := func(t content.Term) bool {
		for i := range words {
			ok := i+len(t.Words) <= len(words)
			for k := 0; ok && k < len(t.Words); k++ {
				w, want := words[i+k], strings.ToLower(t.Words[k])
				ok = w == want || t.Prefix && k == len(t.Words)-1 && strings.HasPrefix(w, want)
			}
			if ok {
				return true
			}
		}
		return false
	}
	for _, t := range q.Terms {
		if has(t) == t.Exclude {
			return false
		}
	}
	return true
}

// The search finds, window by window, what testing every story would:
// by date the same stories in the same order over every page, by relevance
// the newest rankAmong matches once each, for words common and rare, a
// phrase, a prefix and an exclusion, with and without a section and dates.
func TestSearchWindowsFindWhatAFullScanWould(t *testing.T) {
	now := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC) // the later stories are not published yet
	queries := []string{"alpha", "beta", "gamma", "delta", "alpha gamma", "alpha -beta", "beta -alpha",
		`"interest rates"`, "infla*", "omega",
		// Phrases, read from the pairs of words on PostgreSQL: of three
		// words, of words common but rarely side by side, a prefix, and
		// with an exclusion.
		`"interest rates rise"`, `"alpha beta"`, `"interest rat*"`, `"interest rates" -beta`}
	filters := []struct {
		name string
		set  func(*content.SearchParams)
	}{
		{"all", nil},
		{"sport", func(p *content.SearchParams) { p.Section = "sport" }},
		{"2003 to 2012", func(p *content.SearchParams) {
			p.From, p.Until = time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
		}},
		{"business from 2015", func(p *content.SearchParams) {
			p.Section, p.From = "business", time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
		}},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		known := fillSpreadArchive(t, s, 3000)
		for _, walk := range [][2]int{{60, 150}, {5, 12}, {0, 0}} {
			s.SetSearchWalk(walk[0], walk[1])
			for _, query := range queries {
				for _, f := range filters {
					q, err := content.ParseQuery(query)
					if err != nil {
						t.Fatal(err)
					}
					base := content.SearchParams{Query: q, Now: now}
					if f.set != nil {
						f.set(&base)
					}
					var want []int64 // newest first
					for _, k := range slices.SortedFunc(slices.Values(known), func(a, b windowStory) int {
						if c := b.at.Compare(a.at); c != 0 {
							return c
						}
						return int(b.id - a.id)
					}) {
						if !k.draft && !k.at.After(now) && (base.Section == "" || k.section == base.Section) &&
							(base.From.IsZero() || !k.at.Before(base.From)) && (base.Until.IsZero() || k.at.Before(base.Until)) &&
							matchesQuery(k.words, q) {
							want = append(want, k.id)
						}
					}
					name := fmt.Sprintf("walk %v, %q, %s", walk, query, f.name)
					for _, sort := range []content.SearchSort{content.ByDate, content.ByRelevance} {
						p := base
						p.Sort, p.Limit = sort, 9
						if sort == content.ByRelevance {
							p.Limit = 40
						}
						var got []int64
						var last *content.SearchResult
						for page := 0; page < 500; page++ {
							list, err := s.SearchArticles(ctx, p)
							if err != nil {
								t.Fatalf("%s by %s: %v", name, sort, err)
							}
							for _, r := range list {
								if last != nil && sort == content.ByRelevance && r.Score > last.Score {
									t.Errorf("%s by relevance: score %v after %v", name, r.Score, last.Score)
								}
								got = append(got, r.Article.ID)
								last = &r
							}
							if len(list) < p.Limit {
								break
							}
							c := list[len(list)-1].Cursor()
							p.After = &c
						}
						if sort == content.ByRelevance {
							// The newest rankAmong, in the order of their scores.
							want := slices.Clone(want[:min(len(want), store.SearchRankAmong)])
							slices.Sort(want)
							got = slices.Clone(got)
							slices.Sort(got)
							if !slices.Equal(got, want) {
								t.Errorf("%s by relevance: found %d stories, want the newest %d matches", name, len(got), len(want))
							}
						} else if !slices.Equal(got, want) {
							t.Errorf("%s by date: found %d stories %v..., want %d %v...", name, len(got), got[:min(5, len(got))], len(want), want[:min(5, len(want))])
						}
					}
				}
			}
		}
	})
}
