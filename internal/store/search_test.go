package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// archiveStory is one story of the search tests' archive.
type archiveStory struct {
	slug, section, headline, summary, body string
	day                                    int // days after 1 January 1998
	status                                 content.Status
}

var searchArchive = []archiveStory{
	{"monsoon-headline", "news", "Monsoon arrives early in Kerala", "Rain across the south.", "The rains came on Friday.", 0, ""},
	{"monsoon-body", "news", "Farmers sow their fields", "A good season ahead.", "Farmers said the monsoon brought relief to the fields.", 1, ""},
	{"monsoon-summary", "business", "Tractor sales rise", "The monsoon lifts rural demand.", "Dealers reported brisk trade.", 2, ""},
	{"inflation-cools", "business", "Inflation cools in November", "Prices rose less than expected.", "The central bank held interest rates steady.", 30, ""},
	{"inflationary-fears", "business", "Inflationary fears grip markets", "Bond yields climb.", "Traders sold bonds as interest rates rose.", 60, ""},
	{"rates-held", "business", "Central bank holds rates", "No change this quarter.", "The interest rate decision surprised few; rates were held.", 90, ""},
	{"bank-central", "news", "A bank in the centre of town", "Local news.", "The bank is central to the town's life; the central square is busy.", 120, ""},
	{"hindi-monsoon", "news", "भारत में मानसून की बारिश", "किसानों को राहत।", "मौसम विभाग ने कहा कि बारिश अच्छी होगी।", 150, ""},
	{"hindi-market", "business", "शेयर बाज़ार में तेज़ी", "निवेशक खुश।", "बाज़ार आज ऊपर बंद हुआ।", 180, ""},
	{"punctuated", "business", "Growth of 3.5% in Q2", "Said example.com's e-mail.", "Version v2.0 costs rs.500, or ₹500; see /usr/bin and foo@bar.com at 10:30.", 210, ""},
	{"draft-monsoon", "news", "Monsoon draft never published", "", "Monsoon.", 200, content.StatusDraft},
	{"future-monsoon", "news", "Monsoon story of tomorrow", "", "Monsoon.", 100_000, ""},
}

var searchEpoch = time.Date(1998, 1, 1, 6, 0, 0, 0, time.UTC)

// fillArchive stores the search archive, and n more stories about cricket
// for paging.
func fillArchive(t testing.TB, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	sections := map[string]int64{}
	for _, slug := range []string{"news", "business"} {
		id, err := s.CreateSection(ctx, content.Section{Slug: slug, Name: strings.ToUpper(slug)})
		if err != nil {
			t.Fatal(err)
		}
		sections[slug] = id
	}
	var list []*content.Article
	for _, st := range searchArchive {
		at := searchEpoch.AddDate(0, 0, st.day)
		list = append(list, &content.Article{Slug: st.slug, Headline: st.headline, Summary: st.summary, Body: st.body,
			SectionID: sections[st.section], Access: content.Metered, Status: st.status, PublishedAt: at, UpdatedAt: at})
	}
	for i := range n {
		// Several stories share each time, so paging by date must order
		// by id too.
		at := searchEpoch.AddDate(1, 0, i/3)
		headline := fmt.Sprintf("Cricket report %d", i)
		if i%4 == 0 {
			headline = fmt.Sprintf("Match report %d", i)
		}
		list = append(list, &content.Article{Slug: fmt.Sprintf("cricket-%d", i), Headline: headline,
			Body: strings.Repeat("The cricket match went on. ", 1+i%5), SectionID: sections["news"],
			Access: content.Metered, PublishedAt: at, UpdatedAt: at})
	}
	if err := s.ImportArticles(ctx, list); err != nil {
		t.Fatal(err)
	}
}

// searchSlugs runs a search of every page and returns the slugs found.
// fillArchiveAnd stores the search archive, then list, metered stories
// filed in the archive's first section.
func fillArchiveAnd(t *testing.T, s *store.Store, list ...*content.Article) {
	t.Helper()
	fillArchive(t, s, 0)
	sections, err := s.Sections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		a.SectionID = sections[0].ID
	}
	if err := s.ImportArticles(context.Background(), list); err != nil {
		t.Fatal(err)
	}
}

// searchStory is a metered story published at at.
func searchStory(slug, headline, body string, at time.Time) *content.Article {
	return &content.Article{Slug: slug, Headline: headline, Body: body, Access: content.Metered, PublishedAt: at, UpdatedAt: at}
}

func searchSlugs(t *testing.T, s *store.Store, query string, set func(*content.SearchParams)) []string {
	t.Helper()
	q, err := content.ParseQuery(query)
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 100, Now: searchEpoch.AddDate(20, 0, 0)}
	if set != nil {
		set(&p)
	}
	list, err := s.SearchArticles(context.Background(), p)
	if err != nil {
		t.Fatalf("search %q: %v", query, err)
	}
	var out []string
	for _, r := range list {
		out = append(out, r.Article.Slug)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// Both engines find the same stories for the same archive and query, and
// rank a headline match above a standfirst match above a body-only one.
func TestSearchFindsTheSameStoriesOnBothEngines(t *testing.T) {
	cases := []struct {
		query string
		want  []string // in relevance order when ordered, else as a set
		order bool
	}{
		{"monsoon", []string{"monsoon-headline", "monsoon-summary", "monsoon-body"}, true},
		{"MONSOON!", []string{"monsoon-headline", "monsoon-summary", "monsoon-body"}, true},
		{`"interest rates"`, []string{"inflation-cools", "inflationary-fears"}, false},
		{`"rates interest"`, nil, false},
		{"interest rates", []string{"inflation-cools", "inflationary-fears", "rates-held"}, false},
		{"central bank", []string{"bank-central", "inflation-cools", "rates-held"}, false},
		{`"central bank"`, []string{"inflation-cools", "rates-held"}, false},
		{"central -town", []string{"inflation-cools", "rates-held"}, false},
		{`bank -"central square"`, []string{"inflation-cools", "rates-held"}, false},
		{"infla*", []string{"inflation-cools", "inflationary-fears"}, false},
		{"inflation", []string{"inflation-cools"}, false},
		{`"inflationary fea"*`, []string{"inflationary-fears"}, false},
		{"मानसून", []string{"hindi-monsoon"}, false},
		{"बाज़ार", []string{"hindi-market"}, false},
		{"बारि*", []string{"hindi-monsoon"}, false},
		{`"मानसून की बारिश"`, []string{"hindi-monsoon"}, false},
		{"भ", nil, false}, // not a word: a Devanagari word is not cut at its vowel signs
		// Punctuation separates words alike on both engines.
		{"3.5", []string{"punctuated"}, false},
		{"3", []string{"punctuated"}, false},
		{"example", []string{"punctuated"}, false},
		{"example.com", []string{"punctuated"}, false},
		{"v2", []string{"punctuated"}, false},
		{"rs.500", []string{"punctuated"}, false},
		{"500", []string{"punctuated"}, false},
		{"usr bin", []string{"punctuated"}, false},
		{"foo@bar.com", []string{"punctuated"}, false},
		{"bar", []string{"punctuated"}, false},
		{"10:30", []string{"punctuated"}, false},
		{"mail", []string{"punctuated"}, false},
		{"cricket", nil, false},
	}
	results := map[string]map[string][]string{}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			fillArchive(t, s, 0)
			results[engine] = map[string][]string{}
			for _, c := range cases {
				got := searchSlugs(t, s, c.query, nil)
				results[engine][c.query] = got
				if !c.order {
					got = sorted(got)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("%q found %v, want %v", c.query, got, c.want)
				}
			}
		})
	}
	if len(results) == 2 {
		for _, c := range cases {
			if a, b := sorted(results["sqlite"][c.query]), sorted(results["postgres"][c.query]); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%q: SQLite found %v, PostgreSQL %v", c.query, a, b)
			}
		}
	}
}

// Filters by section and dates; drafts and scheduled stories are never
// found; the index follows edits and deletions by any writer.
func TestSearchFiltersAndFollowsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fillArchive(t, s, 0)
		if got := searchSlugs(t, s, "monsoon", func(p *content.SearchParams) { p.Section = "business" }); fmt.Sprint(got) != "[monsoon-summary]" {
			t.Errorf("section business: %v", got)
		}
		if got := searchSlugs(t, s, "monsoon", func(p *content.SearchParams) { p.Section = "sport" }); len(got) != 0 {
			t.Errorf("unknown section: %v", got)
		}
		got := searchSlugs(t, s, "monsoon", func(p *content.SearchParams) {
			p.From, p.Until = searchEpoch.AddDate(0, 0, 1).Truncate(24*time.Hour), searchEpoch.AddDate(0, 0, 2).Truncate(24*time.Hour)
		})
		if fmt.Sprint(got) != "[monsoon-body]" {
			t.Errorf("one day: %v", got)
		}
		got = searchSlugs(t, s, "monsoon", func(p *content.SearchParams) { p.Now = searchEpoch.AddDate(0, 0, 1) })
		if fmt.Sprint(sorted(got)) != "[monsoon-body monsoon-headline]" {
			t.Errorf("as of day 1: %v", got)
		}
		// Written straight to the table, as an importer might.
		if err := s.Exec(ctx, `UPDATE articles SET headline = 'Cyclone warning', summary = '', body = 'Storm.' WHERE slug = 'monsoon-headline'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, `DELETE FROM articles WHERE slug = 'monsoon-summary'`); err != nil {
			t.Fatal(err)
		}
		if got := searchSlugs(t, s, "monsoon", nil); fmt.Sprint(got) != "[monsoon-body]" {
			t.Errorf("after the edits: %v", got)
		}
		if got := searchSlugs(t, s, "cyclone", nil); fmt.Sprint(got) != "[monsoon-headline]" {
			t.Errorf("the new headline: %v", got)
		}
	})
}

// Paging with cursors visits every match once, by relevance (the newest
// first among equal scores) and by date.
func TestSearchPagesThroughEveryMatchOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fillArchive(t, s, 300)
		q, _ := content.ParseQuery("cricket")
		for _, sortBy := range []content.SearchSort{content.ByRelevance, content.ByDate} {
			p := content.SearchParams{Query: q, Sort: sortBy, Limit: 7, Now: searchEpoch.AddDate(20, 0, 0)}
			seen := map[string]bool{}
			var all []content.SearchResult
			for page := 0; page < 100; page++ {
				list, err := s.SearchArticles(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range list {
					if seen[r.Article.Slug] {
						t.Fatalf("%s: %s twice", sortBy, r.Article.Slug)
					}
					seen[r.Article.Slug] = true
				}
				all = append(all, list...)
				if len(list) < p.Limit {
					break
				}
				c := list[len(list)-1].Cursor()
				p.After = &c
			}
			if len(seen) != 300 {
				t.Errorf("%s: %d stories found over the pages, want 300", sortBy, len(seen))
			}
			for i := 1; i < len(all); i++ {
				a, b := all[i-1], all[i]
				newer := b.Article.PublishedAt.After(a.Article.PublishedAt)
				if sortBy == content.ByDate && newer ||
					sortBy == content.ByRelevance && (b.Score > a.Score || b.Score == a.Score && newer) {
					t.Errorf("%s: %s before %s", sortBy, a.Article.Slug, b.Article.Slug)
				}
			}
			if sortBy == content.ByRelevance && !strings.HasPrefix(all[0].Article.Headline, "Cricket") {
				t.Errorf("a headline match should lead: %s", all[0].Article.Headline)
			}
		}
	})
}

// Whatever parses runs on both engines without an error.
func TestSearchHostileQueriesRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fillArchive(t, s, 0)
		for _, in := range []string{`'); DROP TABLE articles; --`, `a:* | b & !c <-> d`, `NEAR(a b) OR c`, `"AND" OR NOT`,
			`x* -y*`, `"a b c d e f g h"*`, `monsoon -"monsoon arrives"`, `0 00 1e10`} {
			q, err := content.ParseQuery(in)
			if err != nil {
				t.Errorf("%q: %v", in, err)
				continue
			}
			if _, err := s.SearchArticles(context.Background(), content.SearchParams{Query: q, Limit: 10, Now: time.Now()}); err != nil {
				t.Errorf("%q: %v", in, err)
			}
		}
		if n, err := s.CountArticles(context.Background()); err != nil || n != len(searchArchive) {
			t.Errorf("%d stories after the searches (%v)", n, err)
		}
	})
}

// Stories stored before the search index existed are found once the
// database is migrated.
func TestSearchFindsStoriesStoredBeforeTheIndex(t *testing.T) {
	eachMigratedFrom(t, 25, func(t *testing.T, ctx context.Context, old *store.Store) {
		fillArchive(t, old, 0)
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		if got := searchSlugs(t, s, "monsoon", nil); fmt.Sprint(got) != "[monsoon-headline monsoon-summary monsoon-body]" {
			t.Errorf("after the migration: %v", got)
		}
		if got := searchSlugs(t, s, "मानसून", nil); fmt.Sprint(got) != "[hindi-monsoon]" {
			t.Errorf("after the migration: %v", got)
		}
	})
}

// Relevance ranks the newest matches of a very common word; an older story,
// however good a match, is reached by sorting by date or by its dates. A
// reader's words never match the section a story is filed in.
func TestSearchRanksTheNewestMatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := searchEpoch.AddDate(2, 0, 0)
		list := []*content.Article{searchStory("old-best", "Tides tides tides", "Tides.", at)}
		for i := range store.SearchRankAmong + 50 {
			list = append(list, searchStory(fmt.Sprintf("tides-%d", i), fmt.Sprintf("Report %d", i),
				"The tides came in, as they do.", at.Add(time.Duration(i+1)*time.Hour)))
		}
		fillArchiveAnd(t, s, list...)
		sections, err := s.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		first := func(set func(*content.SearchParams)) string {
			q, _ := content.ParseQuery("tides")
			p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 3, Now: searchEpoch.AddDate(20, 0, 0)}
			if set != nil {
				set(&p)
			}
			found, err := s.SearchArticles(ctx, p)
			if err != nil || len(found) == 0 {
				t.Fatalf("%v, %d found", err, len(found))
			}
			return found[0].Article.Slug
		}
		if got := first(nil); got == "old-best" || !strings.HasPrefix(got, "tides-") {
			t.Errorf("among the newest %d matches, found first %s", store.SearchRankAmong, got)
		}
		if got := first(func(p *content.SearchParams) { p.Until = at.Add(time.Minute) }); got != "old-best" {
			t.Errorf("within its dates, found first %s, want old-best", got)
		}
		id := strconv.FormatInt(sections[0].ID, 10)
		if got := searchSlugs(t, s, "s"+id, nil); len(got) != 0 {
			t.Errorf("a search for the section's index word found %d stories", len(got))
		}
	})
}

// PostgreSQL plans each search for its words. A search kept prepared is
// given, after five runs, one generic plan for every word, made as if all
// were rare: for a word found in most stories it read and sorted every
// match, ten times slower than walking the newest stories.
func TestSearchIsPlannedForItsWords(t *testing.T) {
	s := storetest.Open(t, "postgres")
	fillArchive(t, s, 0)
	q, _ := content.ParseQuery("monsoon")
	p := content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 20, Now: searchEpoch.AddDate(20, 0, 0)}
	for _, sort := range []content.SearchSort{content.ByRelevance, content.ByDate} {
		p.Sort = sort
		kept, err := s.KeptSearchStatements(context.Background(), p, 8)
		if err != nil {
			t.Fatal(err)
		}
		if kept != 0 {
			t.Errorf("sorted %s: %d search statements kept prepared, whose plan ignores the words", sort, kept)
		}
	}
}
