package store_test

import (
	"fmt"
	"testing"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A prefix finds the stories of every word it starts, whether SQLite
// searches for those words (a few) or for the prefix itself (more than
// store.SearchPrefixWords), found or left out, alone or ending a phrase,
// and in the headline ranks first. Each story zetaN holds the word zetaN;
// in the headline for N = 12.
func TestSearchPrefixFindsEveryWordItStarts(t *testing.T) {
	n := store.SearchPrefixWords + 8
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var list []*content.Article
		for i := range n {
			a := searchStory(fmt.Sprintf("zeta%d", i), "Letters", fmt.Sprintf("Alpha zeta%d omega.", i), searchEpoch.AddDate(3, 0, i))
			if i == 12 {
				a.Headline = "Zeta12 in the headline"
			}
			list = append(list, a)
		}
		fillArchiveAnd(t, s, list...)
		slugs := func(from, to int) []string {
			var out []string
			for i := from; i < to; i++ {
				out = append(out, fmt.Sprintf("zeta%d", i))
			}
			return sorted(out)
		}
		ones := []string{"zeta1"}
		for i := 10; i < 20; i++ {
			ones = append(ones, fmt.Sprintf("zeta%d", i))
		}
		ones = sorted(ones)
		notOnes := sorted(slicesWithout(slugs(0, n), ones))
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"zeta*", slugs(0, n)},        // more words than SQLite looks up
			{"zeta1*", ones},              // zeta1, zeta10 to zeta19
			{`"alpha zeta1"*`, ones},      // the last word of a phrase
			{"alpha -zeta1*", notOnes},    // left out
			{"alpha -zeta*", nil},         // left out, more words than looked up
			{"zetb*", nil},                // no word starts so
			{"alpha -zetb*", slugs(0, n)}, // leaving out nothing
			{`"omega zeta1"*`, nil},       // the words, not the phrase
		} {
			got := searchSlugs(t, s, c.query, nil)
			if fmt.Sprint(sorted(got)) != fmt.Sprint(c.want) {
				t.Errorf("%q found %v, want %v", c.query, got, c.want)
			}
		}
		for _, q := range []string{"zeta*", "zeta1*"} {
			if got := searchSlugs(t, s, q, nil); len(got) == 0 || got[0] != "zeta12" {
				t.Errorf("%s: the headline match should lead: %v", q, got)
			}
		}
	})
}

func slicesWithout(all, some []string) []string {
	drop := map[string]bool{}
	for _, s := range some {
		drop[s] = true
	}
	var out []string
	for _, s := range all {
		if !drop[s] {
			out = append(out, s)
		}
	}
	return out
}

// Each word of a search counts where it is found: both in the headline
// outrank one in the headline and one in the body, which outrank both in
// the body, however many stories hold the commoner word.
func TestSearchRanksEachWordWhereItIs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var list []*content.Article
		add := func(slug, headline, body string, day int) {
			list = append(list, searchStory(slug, headline, body, searchEpoch.AddDate(4, 0, day)))
		}
		add("both-headline", "Quokka harbour", "Nothing more.", 0)
		add("one-headline", "Quokka seen", "By the harbour.", 1)
		add("both-body", "Seen", "A quokka by the harbour.", 2)
		for i := range 50 {
			add(fmt.Sprintf("harbour-%d", i), "Harbour news", "The harbour.", 3+i)
		}
		fillArchiveAnd(t, s, list...)
		got := searchSlugs(t, s, "quokka harbour", nil)
		if fmt.Sprint(got) != "[both-headline one-headline both-body]" {
			t.Errorf("quokka harbour: %v", got)
		}
	})
}
