package store

import (
	"context"
	"errors"
	"strings"

	"broadsheet/internal/content"
)

// SearchArticles finds the published stories matching p's query, one page
// of them in p's order, after p.After when it is set. Both engines find the
// same stories; their scores differ (FTS5's bm25, PostgreSQL's ts_rank) but
// on both a headline match outranks a body-only one.
func (s *Store) SearchArticles(ctx context.Context, p content.SearchParams) ([]content.SearchResult, error) {
	if len(p.Query.Positive()) == 0 {
		return nil, errors.New("search: no word to find")
	}
	query, args := s.searchQuery(p)
	// Not prepared: each combination of filters is its own statement.
	rows, err := s.r.QueryContext(ctx, query, args...)
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

// searchQuery writes the statement of a search and its arguments.
func (s *Store) searchQuery(p content.SearchParams) (string, []any) {
	var q strings.Builder
	var args []any
	arg := func(v any) {
		args = append(args, v)
		s.dialect.writeArg(&q, len(args))
	}
	// Innermost, the matches, scored, with the filters; then the page of
	// them, after the cursor, which compares the score by name; only then
	// the page's stories are read whole.
	order := `m.score DESC, m.id`
	if p.Sort == content.ByDate {
		order = `m.published_at DESC, m.id DESC`
	}
	q.WriteString(`SELECT ` + articleColumns + `, m.score FROM (SELECT m.id, m.published_at, m.score FROM (SELECT a.id, a.published_at, `)
	if s.SingleWriter() {
		// bm25 is lower for better matches; weights per column:
		// headline, summary, body. CROSS JOIN keeps the index's matches
		// as the outer loop: were the stories of a section or a span of
		// dates walked instead, FTS5 would run the query once per story.
		score := `-bm25(article_search, 10.0, 4.0, 1.0)`
		if p.Sort == content.ByDate {
			score = `0.0` // not needed: spared
		}
		q.WriteString(score + ` AS score
			FROM article_search CROSS JOIN articles a ON a.id = article_search.rowid
			WHERE article_search MATCH `)
		arg(ftsMatch(p.Query))
	} else {
		// ts_rank weighs A (headline) 1.0, B 0.4, C 0.2 by default.
		if p.Sort == content.ByDate {
			q.WriteString(`0::float8 AS score FROM articles a WHERE`)
		} else {
			q.WriteString(`ts_rank(a.search, to_tsquery('simple', `)
			arg(tsMatch(p.Query))
			q.WriteString(`))::float8 AS score FROM articles a WHERE`)
		}
		q.WriteString(` a.search @@ to_tsquery('simple', `)
		arg(tsMatch(p.Query))
		q.WriteString(`)`)
	}
	q.WriteString(` AND ` + sqlVisible)
	arg(p.Now.UTC())
	if p.Section != "" {
		q.WriteString(` AND a.section_id = (SELECT id FROM sections WHERE slug = `)
		arg(p.Section)
		q.WriteString(`)`)
	}
	if !p.From.IsZero() {
		q.WriteString(` AND a.published_at >= `)
		arg(p.From.UTC())
	}
	if !p.Until.IsZero() {
		q.WriteString(` AND a.published_at < `)
		arg(p.Until.UTC())
	}
	q.WriteString(`) m WHERE TRUE`)
	if c := p.After; c != nil {
		if p.Sort == content.ByDate {
			q.WriteString(` AND (m.published_at < `)
			arg(c.PublishedAt.UTC())
			q.WriteString(` OR m.published_at = `)
			arg(c.PublishedAt.UTC())
			q.WriteString(` AND m.id < `)
			arg(c.ID)
			q.WriteString(`)`)
		} else {
			q.WriteString(` AND (m.score < `)
			arg(c.Score)
			q.WriteString(` OR m.score = `)
			arg(c.Score)
			q.WriteString(` AND m.id > `)
			arg(c.ID)
			q.WriteString(`)`)
		}
	}
	q.WriteString(` ORDER BY ` + order + ` LIMIT `)
	arg(p.Limit)
	q.WriteString(`) m JOIN articles a ON a.id = m.id JOIN sections s ON s.id = a.section_id ORDER BY ` + order)
	return q.String(), args
}

// scanWith scans a row's article columns and then extra ones.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (w scanWith) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra)...) }

// ftsMatch renders a query in FTS5's syntax: each term a quoted string (a
// phrase when it has several words), * after a prefix, the terms to find
// joined by AND and those to leave out each after NOT. Words hold only
// letters, digits and marks, so none can close its quotes.
func ftsMatch(q content.Query) string {
	var b strings.Builder
	term := func(t content.Term) {
		b.WriteByte('"')
		b.WriteString(strings.Join(t.Words, " "))
		b.WriteByte('"')
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	b.WriteByte('(')
	for i, t := range q.Positive() {
		if i > 0 {
			b.WriteString(" AND ")
		}
		term(t)
	}
	b.WriteByte(')')
	for _, t := range q.Terms {
		if t.Exclude {
			b.WriteString(" NOT ")
			term(t)
		}
	}
	return b.String()
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
