package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"broadsheet/internal/content"
)

// SearchArticles finds the published stories matching p's query, one page
// of them in p's order, after p.After when it is set. Both engines find the
// same stories; their scores differ (term weights by column on SQLite,
// PostgreSQL's ts_rank) but on both a headline match outranks a body-only
// one.
func (s *Store) SearchArticles(ctx context.Context, p content.SearchParams) ([]content.SearchResult, error) {
	if len(p.Query.Positive()) == 0 {
		return nil, errors.New("search: no word to find")
	}
	var query string
	var args []any
	if s.SingleWriter() {
		terms, err := s.ftsTermsOf(ctx, p.Query)
		if err != nil {
			return nil, err
		}
		query, args = s.searchQuery(p, terms)
	} else {
		ids, err := s.searchNewest(ctx, p)
		if err != nil {
			return nil, err
		}
		query, args = s.searchRankQuery(p, ids)
	}
	rows, err := s.r.QueryContext(ctx, query, s.planEachTime(args)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.SearchResult
	for rows.Next() {
		var score float64
		a, err := scanArticle(scanWith{rows, &score})
		if err != nil {
			return nil, err
		}
		out = append(out, content.SearchResult{Article: a, Score: score})
	}
	return out, rows.Err()
}

// rankAmong is how many of a search's matches are ranked by relevance:
// the newest ones. Scoring every match of a word found in half a million
// stories takes seconds; readers of news want the recent ones first, and
// reach older matches by sorting by date or narrowing the dates.
const rankAmong = 1000

// searchQuery writes SQLite's statement of a search and its arguments: the
// page's matches, scored, after the cursor, then their stories read whole.
// A story published in the moment between the index's bound and now is
// left out by the final visibility check rather than shown early.
func (s *Store) searchQuery(p content.SearchParams, terms ftsTerms) (string, []any) {
	var q strings.Builder
	var args []any
	arg := func(v any) {
		args = append(args, v)
		s.dialect.writeArg(&q, len(args))
	}
	q.WriteString(`SELECT ` + articleColumns + `, m.score FROM (`)
	order := s.searchFTS(&q, p, terms, arg)
	q.WriteString(`) m JOIN articles a ON a.id = m.id JOIN sections s ON s.id = a.section_id WHERE ` + sqlVisible)
	arg(p.Now.UTC())
	q.WriteString(` ORDER BY ` + order)
	return q.String(), args
}

// searchFTS writes SQLite's matches: FTS5's index is keyed by publication
// time (migration 0037), so dates bound the rowid, sorting by date is the
// index's own order, and relevance scores only the newest rankAmong. It
// returns the order of the result.
func (s *Store) searchFTS(q *strings.Builder, p content.SearchParams, terms ftsTerms, arg func(any)) string {
	match := func() {
		// The reader's terms look in the text columns only; a section is
		// the word "s" and its id in its own column.
		q.WriteString(`article_search MATCH (`)
		if p.Section != "" {
			q.WriteString(`'section : s' || COALESCE((SELECT id FROM sections WHERE slug = `)
			arg(p.Section)
			q.WriteString(`), 0) || ' AND ' || `)
		}
		arg("{headline summary body} : (" + terms.match() + ")")
		q.WriteString(`)`)
		lo, hi := int64(math.MinInt64), searchKey(p.Now, searchIDMask)
		if !p.From.IsZero() {
			lo = searchKey(p.From, 0)
		}
		if !p.Until.IsZero() && p.Until.Before(p.Now) {
			hi = searchKey(p.Until, 0) - 1
		}
		q.WriteString(` AND rowid BETWEEN `)
		arg(lo)
		q.WriteString(` AND `)
		arg(hi)
	}
	if p.Sort == content.ByDate {
		q.WriteString(`SELECT rowid & ` + searchIDMaskSQL + ` AS id, rowid AS k, 0.0 AS score FROM article_search WHERE `)
		match()
		if c := p.After; c != nil {
			q.WriteString(` AND rowid < `)
			arg(searchKey(c.PublishedAt, c.ID))
		}
		q.WriteString(` ORDER BY rowid DESC LIMIT `)
		arg(p.Limit)
		return `m.k DESC`
	}
	// The newest rankAmong matches, then each term looked up again in the
	// headline and in the standfirst among them, with the query's other
	// terms: FTS5 then steps along the rarest term's list rather than read
	// a common one's over all the years a rare word's matches span.
	q.WriteString(`SELECT id, k, score FROM (WITH m AS MATERIALIZED (SELECT rowid AS k FROM article_search WHERE `)
	match()
	q.WriteString(` ORDER BY rowid DESC LIMIT ` + strconv.Itoa(rankAmong) + `)`)
	for i, t := range terms.find {
		others := ""
		if len(terms.find) > 1 {
			others = " AND (" + strings.Join(slices.Delete(slices.Clone(terms.find), i, i+1), " AND ") + ")"
		}
		for _, col := range []string{"headline", "summary"} {
			fmt.Fprintf(q, `, %s%d AS MATERIALIZED (SELECT rowid AS k FROM article_search WHERE article_search MATCH `, col, i)
			arg(col + " : " + t + others)
			q.WriteString(` AND rowid BETWEEN (SELECT min(k) FROM m) AND (SELECT max(k) FROM m))`)
		}
	}
	q.WriteString(` SELECT m.k & ` + searchIDMaskSQL + ` AS id, m.k, 0.0`)
	for i := range terms.find {
		fmt.Fprintf(q, ` + CASE WHEN m.k IN headline%d THEN %d WHEN m.k IN summary%d THEN %d ELSE %d END`,
			i, searchHeadlineWeight, i, searchSummaryWeight, searchBodyWeight)
	}
	q.WriteString(` AS score FROM m) m`)
	s.afterScore(q, p, arg)
	return s.scoreOrder()
}

// The weights of a term found in a story's headline, in its standfirst
// and in its body alone. SQLite's relevance is the sum over the terms:
// FTS5's bm25 would also weigh how many stories hold each word, which it
// counts across the whole index on every search (100 ms for a word found
// in a third of a million stories).
const (
	searchHeadlineWeight = 10
	searchSummaryWeight  = 4
	searchBodyWeight     = 1
)

// afterScore writes, around the scored matches m, the page after the
// cursor in order of relevance, the newest first among equal scores.
func (s *Store) afterScore(q *strings.Builder, p content.SearchParams, arg func(any)) {
	q.WriteString(` WHERE TRUE`)
	if c := p.After; c != nil {
		q.WriteString(` AND (m.score < `)
		arg(c.Score)
		q.WriteString(` OR m.score = `)
		arg(c.Score)
		if s.SingleWriter() {
			q.WriteString(` AND m.k < `)
			arg(searchKey(c.PublishedAt, c.ID))
		} else {
			q.WriteString(` AND (m.published_at, m.id) < (`)
			arg(c.PublishedAt.UTC())
			q.WriteString(`, `)
			arg(c.ID)
			q.WriteString(`)`)
		}
		q.WriteString(`)`)
	}
	q.WriteString(` ORDER BY ` + s.scoreOrder() + ` LIMIT `)
	arg(p.Limit)
}

// scoreOrder is the order of relevance of scored matches m: SQLite's key
// is the publication time and id (searchKey).
func (s *Store) scoreOrder() string {
	if s.SingleWriter() {
		return `m.score DESC, m.k DESC`
	}
	return `m.score DESC, m.published_at DESC, m.id DESC`
}

// planEachTime has PostgreSQL plan a search for its own words rather than
// keep one plan for all. A statement kept prepared (the driver's cache)
// gets, after five runs, a generic plan made without the words; it
// guesses every word rare, reads all the index's matches and sorts them,
// which for a word in most stories took 300 ms instead of 20.
func (s *Store) planEachTime(args []any) []any {
	if s.SingleWriter() {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// searchIDMask takes a story's id out of its search key: the key is the
// story's publication time in seconds times 2^30, plus its id.
const (
	searchIDMask    = 1<<30 - 1
	searchIDMaskSQL = "1073741823"
)

// searchKey is the search index's key of a story published at t with id
// (migration 0037 computes the same with unixepoch).
func searchKey(t time.Time, id int64) int64 {
	return min(max(t.Unix(), -1<<33), 1<<33-1)<<30 + id
}

// scanWith scans a row's article columns and then extra ones.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (w scanWith) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra)...) }

// ftsTerm renders a term as a quoted string (a phrase when it has several
// words), with * after a prefix. Words hold only letters, digits and
// marks, so none can close its quotes.
func ftsTerm(t content.Term) string {
	s := `"` + strings.Join(t.Words, " ") + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}

// tsMatch renders a query for PostgreSQL's to_tsquery: each word quoted,
// a phrase's words joined by <->, :* after a prefix, ! before a term to
// leave out, terms joined by &.
func tsMatch(q content.Query) string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		if t.Exclude {
			b.WriteByte('!')
		}
		b.WriteByte('(')
		for k, w := range t.Words {
			if k > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString("'" + w + "'")
			if t.Prefix && k == len(t.Words)-1 {
				b.WriteString(":*")
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
