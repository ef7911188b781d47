package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// pairStory is a story of storePairStories: its three texts.
type pairStory struct{ headline, summary, body string }

// storePairStories stores each story n times, a day apart going back from
// 2020, in the news section, published, and returns their ids in order.
func storePairStories(t *testing.T, s *store.Store, stories []pairStory, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	sec, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var list []*content.Article
	for k := range n {
		for i, st := range stories {
			at = at.Add(-24 * time.Hour)
			list = append(list, &content.Article{Slug: fmt.Sprintf("pair-%d-%d", k, i), Headline: st.headline,
				Summary: st.summary, Body: st.body, SectionID: sec, Access: content.Metered,
				Status: content.StatusPublished, PublishedAt: at, UpdatedAt: at})
		}
	}
	if err := s.ImportArticles(ctx, list); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

// searchAllByDate returns the ids every page of a search by date finds.
func searchAllByDate(t *testing.T, s *store.Store, query string, set func(*content.SearchParams)) []int64 {
	t.Helper()
	q, err := content.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	p := content.SearchParams{Query: q, Sort: content.ByDate, Limit: 7, Now: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}
	if set != nil {
		set(&p)
	}
	var ids []int64
	for range 200 {
		list, err := s.SearchArticles(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for _, r := range list {
			ids = append(ids, r.Article.ID)
		}
		if len(list) < p.Limit {
			break
		}
		c := list[len(list)-1].Cursor()
		p.After = &c
	}
	return ids
}

// A phrase whose words are in many stories but side by side in few is
// read from the index of pairs on PostgreSQL: the window's plan reads
// that index, and not the index of words, which would give every story
// holding both. SQLite's own index has the positions: it finds the same.
func TestPhraseSearchReadsItsStoriesFromTheWordPairs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ids := storePairStories(t, s, []pairStory{
			{"Rates steady", "The bank held", "Interest in the rates was low and interest grew while rates fell."},
			{"Markets", "Shares", "Investors watched interest and rates and little else."},
			{"Markets", "Shares", "Investors watched interest rates and little else."},
			{"Weather", "Rain", "Showers all week."},
		}, 40)
		s.SetSearchWalk(5, 12)
		var want []int64
		for i := 2; i < len(ids); i += 4 {
			want = append(want, ids[i])
		}
		if got := searchAllByDate(t, s, `"interest rates"`, nil); !slices.Equal(got, want) {
			t.Errorf("found %d stories %v..., want the %d with the phrase", len(got), got[:min(3, len(got))], len(want))
		}
		if s.SingleWriter() {
			return
		}
		// As autovacuum would have: a table the planner thinks empty is
		// read story by story, whatever its indexes.
		if err := s.Exec(context.Background(), `ANALYZE articles`); err != nil {
			t.Fatal(err)
		}
		q, _ := content.ParseQuery(`"interest rates"`)
		plan, err := s.ExplainSearch(context.Background(), content.SearchParams{Query: q, Sort: content.ByRelevance, Limit: 21,
			Now: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		_, windows, ok := strings.Cut(plan, "window from")
		if !ok {
			t.Fatalf("the search read no window:\n%s", plan)
		}
		if !strings.Contains(windows, "on articles_search_pairs") || strings.Contains(windows, "on articles_search ") {
			t.Errorf("the windows should read the index of pairs alone:\n%s", windows)
		}
	})
}

// On PostgreSQL the pairs leave out no story the phrase test finds: a
// phrase across a word the parser drops (a lone combining accent, which
// leaves a gap of one, as a stop word would), a phrase in a headline, one
// across the headline and standfirst (one text there), three words, a
// word twice, a prefix, an exclusion and a section and dates. The truth is
// every story's tsvector tested for the query, as before the pairs.
func TestPhraseSearchOnPostgresFindsWhatThePhraseTestFinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if s.SingleWriter() {
			t.Skip("the pairs are PostgreSQL's; SQLite's index has positions")
		}
		storePairStories(t, s, []pairStory{
			{"Interest rates rise", "Markets fall", "Nothing else today."},
			{"Cuts", "The bank cut interest", "Rates fell after."},
			{"Interest", "Rates", "Interest rates rates and more interest rates rise."},
			{"Debt", "Loans", "The interest big rates rise and interest \u0301 rates fell."},
			{"Bank", "Loans", "Interest ratings and interest rate news and rates interest."},
			{"Central bank", "Rates", "Central bank interest rates rise again with beta."},
			{"Sport", "Cricket", "A match with interest and rates apart and rates high."},
		}, 12)
		s.SetSearchWalk(3, 5)
		now := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
		dates := func(p *content.SearchParams) {
			p.From, p.Until = time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2019, 11, 1, 0, 0, 0, 0, time.UTC)
		}
		for _, c := range []struct {
			query string
			set   func(*content.SearchParams)
		}{
			{`"interest rates"`, nil},
			{"\"interest \u0301 rates\"", nil},
			{`"interest rates rise"`, nil},
			{`"rates rates"`, nil},
			{`"interest rat*"`, nil},
			{`"interest rates" -beta`, nil},
			{`"interest rates" "central bank"`, nil},
			{`"cut interest rates"`, nil},
			{`"interest rates"`, func(p *content.SearchParams) { p.Section = "news"; dates(p) }},
		} {
			q, err := content.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			p := content.SearchParams{Query: q, Now: now}
			if c.set != nil {
				c.set(&p)
			}
			sql := `SELECT coalesce(string_agg(id::text, ',' ORDER BY published_at DESC, id DESC), '') FROM articles
				WHERE search @@ to_tsquery('simple', $1) AND status = 'published' AND published_at <= $2`
			args := []any{store.SearchTSQuery(q), now}
			if !p.From.IsZero() {
				sql += ` AND published_at >= $3 AND published_at < $4`
				args = append(args, p.From, p.Until)
			}
			want, err := s.QueryString(context.Background(), sql, args...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range searchAllByDate(t, s, c.query, c.set) {
				got = append(got, fmt.Sprint(id))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("%s: found %v, the phrase test finds %v", c.query, got, want)
			}
			if want == "" {
				t.Errorf("%s: finds nothing, a test of nothing", c.query)
			}
		}
	})
}

// Migration 0043 indexes the pairs of the stories already stored: after
// the upgrade a phrase search reading its windows from that index finds
// them, and only those with the phrase.
func TestStoriesBeforeMigration0043AreFoundByTheirPairs(t *testing.T) {
	var ids []int64
	eachMigratedFrom(t, 42, func(t *testing.T, ctx context.Context, old *store.Store) {
		ids = storePairStories(t, old, []pairStory{
			{"Interest rates rise", "Markets", "Nothing else."},
			{"Markets", "Rates", "Interest grew and rates fell."},
			{"Loans", "Banks", "Mortgage interest rates fell."},
		}, 10)
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		s.SetSearchWalk(2, 3)
		var want []int64
		for i, id := range ids {
			if i%3 != 1 {
				want = append(want, id)
			}
		}
		if got := searchAllByDate(t, s, `"interest rates"`, nil); !slices.Equal(got, want) {
			t.Errorf("found %v, want %v", got, want)
		}
		if s.SingleWriter() {
			return
		}
		n, err := s.QueryString(ctx, `SELECT count(*) FROM articles WHERE search_word_pairs(search) @@ '''interest|rates'''::tsquery`)
		if err != nil || n != "20" {
			t.Errorf("%s stories with the pair interest|rates, %v; want 20", n, err)
		}
	})
}
