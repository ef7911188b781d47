package store

import (
	"context"
	"strings"

	"broadsheet/internal/content"
)

// FTS5 answers a prefix by merging the lists of every word it starts,
// whole, before the first match comes out: `infla*` took 30 ms at a
// million stories, and relevance asks three times (the match, then the
// headline and the standfirst). A list of words is read newest first, as
// far as needed. So SQLite's search looks up the words a prefix starts in
// the index's vocabulary (migration 0044) and searches for them; a prefix
// starting more than prefixWords words stays a prefix, and so does one
// ending a phrase: FTS5 tests each phrase of an OR on its own, which made
// a long phrase's search several times slower.
const prefixWords = 32

// ftsTerms are a query's terms in FTS5's syntax.
type ftsTerms struct {
	find, leaveOut []string
}

// match is the terms to find joined by AND, and each to leave out after
// NOT.
func (t ftsTerms) match() string {
	s := "(" + strings.Join(t.find, " AND ") + ")"
	for _, x := range t.leaveOut {
		s += " NOT " + x
	}
	return s
}

// ftsTermsOf renders q's terms, a prefix as the words it starts where
// there are few enough. A prefix that starts no word stays a prefix too:
// FTS5 finds nothing quickly, and folds the case of a prefix as it folded
// the stories' words, which strings.ToLower may not always match.
func (s *Store) ftsTermsOf(ctx context.Context, q content.Query) (ftsTerms, error) {
	var t ftsTerms
	for _, term := range q.Terms {
		rendered := ftsTerm(term)
		if term.Prefix && len(term.Words) == 1 {
			words, err := s.wordsStarting(ctx, term.Words[0])
			if err != nil {
				return t, err
			}
			if len(words) > 0 && len(words) <= prefixWords {
				rendered = ftsAnyOf(words)
			}
		}
		if term.Exclude {
			t.leaveOut = append(t.leaveOut, rendered)
		} else {
			t.find = append(t.find, rendered)
		}
	}
	return t, nil
}

// wordsStarting returns the index's words that start with prefix, up to
// one more than prefixWords.
func (s *Store) wordsStarting(ctx context.Context, prefix string) ([]string, error) {
	// The words after prefix in byte order, up to the prefix with its last
	// byte raised: UTF-8 never holds 0xFF, so the last byte can be raised.
	end := prefix[:len(prefix)-1] + string([]byte{prefix[len(prefix)-1] + 1})
	return scanColumn[string](s.r.QueryContext(ctx, `SELECT term FROM article_search_words WHERE term >= ? AND term < ? ORDER BY term LIMIT ?`,
		prefix, end, prefixWords+1))
}

// ftsAnyOf renders a prefix as any of the words it starts.
func ftsAnyOf(words []string) string {
	alts := make([]string, len(words))
	for i, w := range words {
		alts[i] = ftsTerm(content.Term{Words: []string{w}})
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}
