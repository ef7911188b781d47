package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// PostgreSQL's search first walks the newest stories by time, testing
// each one's tsvector, and stops when it has the rankAmong matches to rank
// (or the page to show by date): quick for a word found in many stories.
// When the newest walkStories hold too few, and the rate of matches among
// them says the rest are within walkFurther stories, it walks on. Else
// the rest come from the GIN index, a window of time at a time, each as
// wide as the rate says the rest need, four times wider each time it falls
// short, then all that is left: reading a rare word's matches from the
// index costs less than testing the many stories between them.
//
// Asked for the newest matches of the whole archive at once, the planner
// chose between walking every story by time and reading every match from
// the GIN index from estimates that miss tenfold for two words, a phrase
// or an exclusion: a wrong guess took seconds on a million stories.
const (
	walkStories = 4000
	walkFurther = 16000
)

// searchWalkSize is how many stories a search walks first and how many
// more at most, set smaller by tests to reach the windows on few stories.
type searchWalkSize struct{ stories, further int }

func (s *Store) walkSize() searchWalkSize {
	if s.walk.stories == 0 {
		return searchWalkSize{walkStories, walkFurther}
	}
	return s.walk
}

// searchEdge is where a search's walk ended: the oldest story it tested.
type searchEdge struct {
	at time.Time
	id int64
}

// searchNewest returns the ids of the newest matches of p, newest first:
// rankAmong of them for relevance, the page after the cursor for date.
func (s *Store) searchNewest(ctx context.Context, p content.SearchParams) ([]int64, error) {
	need := rankAmong
	if p.Sort == content.ByDate {
		need = p.Limit
	}
	size := s.walkSize()
	ids, edge, err := s.searchWalk(ctx, p, nil, size.stories, need)
	if err != nil || len(ids) >= need || edge == nil {
		return ids, err
	}
	walked := size.stories
	if rest := need - len(ids); rest*walked <= size.further*len(ids) {
		further := min(size.further, rest*walked*3/2/len(ids)+100)
		var more []int64
		if more, edge, err = s.searchWalk(ctx, p, edge, further, rest); err != nil {
			return nil, err
		}
		if ids, walked = append(ids, more...), walked+further; len(ids) >= need || edge == nil {
			return ids, nil
		}
	}
	pairs, err := s.phrasePairs(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, w := range searchWindows(p, *edge, walked, len(ids), need) {
		q, args := searchWindowQuery(p, w, pairs, need-len(ids))
		more, err := s.searchIDs(ctx, q, args)
		if err != nil {
			return nil, err
		}
		if ids = append(ids, more...); len(ids) >= need {
			break
		}
	}
	return ids, nil
}

// searchWalk tests the next n stories p may find after edge (nil: the
// newest) and returns the ids of their first limit matches, and the edge
// of the walk when it tested n stories and found fewer.
func (s *Store) searchWalk(ctx context.Context, p content.SearchParams, edge *searchEdge, n, limit int) ([]int64, *searchEdge, error) {
	q, args := searchWalkQuery(p, edge, n, limit)
	rows, err := s.r.QueryContext(ctx, q, s.planEachTime(args)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []int64
	var last *searchEdge
	for rows.Next() {
		var e searchEdge
		var hit bool
		var k int
		if err := rows.Scan(&e.id, &e.at, &hit, &k); err != nil {
			return nil, nil, err
		}
		if hit {
			ids = append(ids, e.id)
		}
		if k == n {
			last = &e
		}
	}
	if len(ids) >= limit {
		return ids[:limit], nil, rows.Err()
	}
	return ids, last, rows.Err()
}

// searchWindow is a window of time to search: stories published at or
// after from (zero: no bound) and before the edge.
type searchWindow struct {
	from time.Time
	edge searchEdge
}

// searchWindows are the windows to search after walks that tested walked
// stories, found found matches and ended at edge, newest first, the last
// one all that is left.
func searchWindows(p content.SearchParams, edge searchEdge, walked, found, need int) []searchWindow {
	top := p.Now
	if !p.Until.IsZero() && p.Until.Before(top) {
		top = p.Until
	}
	if c := p.After; c != nil && p.Sort == content.ByDate && c.PublishedAt.Before(top) {
		top = c.PublishedAt
	}
	took := max(top.Sub(edge.at), time.Minute)
	var out []searchWindow
	if found > 0 {
		// The stories the rest should take at the walk's rate, and half
		// again, in the time that many took in the walk; a window of
		// more than five years, all that is left. At most three windows:
		// each reads the words' matches from the index again.
		stories := float64(need-found) * float64(walked) / float64(found) * 1.5
		for range 3 {
			span := float64(took) * stories / float64(walked)
			if span > float64(5*365*24*time.Hour) {
				break
			}
			from := edge.at.Add(-time.Duration(span))
			if !p.From.IsZero() && !from.After(p.From) {
				break
			}
			out = append(out, searchWindow{from, edge})
			edge = searchEdge{at: from}
			stories *= 4
		}
	}
	return append(out, searchWindow{edge: edge})
}

// phrasePairs returns the tsquery of the pairs of words side by side that
// the stories of p's phrases hold (migration 0043), "" when p has none:
// the parser, not Go, splits the words, as to_tsquery does.
func (s *Store) phrasePairs(ctx context.Context, p content.SearchParams) (string, error) {
	var q strings.Builder
	var args []any
	q.WriteString(`SELECT concat_ws(' & '`)
	for _, t := range p.Query.Positive() {
		if len(t.Words) > 1 {
			args = append(args, t.Words, t.Prefix)
			fmt.Fprintf(&q, `, search_phrase_pairs($%d, $%d)`, len(args)-1, len(args))
		}
	}
	if len(args) == 0 {
		return "", nil
	}
	q.WriteString(`)`)
	var pairs string
	err := s.r.QueryRowContext(ctx, q.String(), args...).Scan(&pairs)
	return pairs, err
}

// searchIDs runs a statement returning story ids.
func (s *Store) searchIDs(ctx context.Context, q string, args []any) ([]int64, error) {
	return scanIDs(s.r.QueryContext(ctx, q, s.planEachTime(args)...))
}

// searchStatement writes a search's statements: its arguments, and the
// conditions every story it finds meets but the words.
type searchStatement struct {
	q    strings.Builder
	args []any
}

func (st *searchStatement) arg(v any) {
	st.args = append(st.args, v)
	st.q.WriteString("$" + strconv.Itoa(len(st.args)))
}

func (st *searchStatement) match(p content.SearchParams) {
	st.q.WriteString(`a.search @@ to_tsquery('simple', `)
	st.arg(tsMatch(p.Query))
	st.q.WriteString(`)`)
}

func (st *searchStatement) filters(p content.SearchParams) {
	st.q.WriteString(sqlVisible)
	st.arg(p.Now.UTC())
	if p.Section != "" {
		st.q.WriteString(` AND a.section_id = (SELECT id FROM sections WHERE slug = `)
		st.arg(p.Section)
		st.q.WriteString(`)`)
	}
	if !p.From.IsZero() {
		st.q.WriteString(` AND a.published_at >= `)
		st.arg(p.From.UTC())
	}
	if !p.Until.IsZero() {
		st.q.WriteString(` AND a.published_at < `)
		st.arg(p.Until.UTC())
	}
	if c := p.After; c != nil && p.Sort == content.ByDate {
		st.before(c.PublishedAt, c.ID)
	}
}

// before bounds the stories to those before at and id, in the order of
// date (id 0: before at).
func (st *searchStatement) before(at time.Time, id int64) {
	st.q.WriteString(` AND (a.published_at, a.id) < (`)
	st.arg(at.UTC())
	st.q.WriteString(`, `)
	st.arg(id)
	st.q.WriteString(`)`)
}

// searchWalkQuery writes the walk: the next n stories p may find after
// edge (nil: the newest), newest first, each with whether it matches; of
// those, the first limit matches and the last story. The limit inside
// keeps the planner on the stories' index by time.
func searchWalkQuery(p content.SearchParams, edge *searchEdge, n, limit int) (string, []any) {
	var st searchStatement
	st.q.WriteString(`SELECT a.id, a.published_at, a.hit, a.n FROM (SELECT a.id, a.published_at, `)
	st.match(p)
	st.q.WriteString(` AS hit, row_number() OVER (ORDER BY a.published_at DESC, a.id DESC) AS n
		FROM (SELECT a.id, a.published_at, a.search FROM articles a WHERE `)
	st.filters(p)
	if edge != nil {
		st.before(edge.at, edge.id)
	}
	st.q.WriteString(` ORDER BY a.published_at DESC, a.id DESC LIMIT `)
	st.arg(n)
	st.q.WriteString(`) a) a WHERE a.hit OR a.n = `)
	st.arg(n)
	st.q.WriteString(` LIMIT `)
	st.arg(limit + 1)
	return st.q.String(), st.args
}

// searchWindowQuery writes the statement of the newest limit matches of p
// within window w, newest first. OFFSET 0 has the planner find every match
// in the window rather than walk it by time for the first few: from the
// GIN index, and the index by time for a narrow window.
//
// With the pairs of p's phrases (phrasePairs), from their index instead:
// the stories holding the pairs are nearly exactly the phrase's, where the
// index of words gives every story holding its words, however far apart.
// Each is then tested (ts_match_vq is @@, which no index serves): a plan
// that read the index of words too would have to test its stories for the
// pairs again, computing them story by story, since only the index has
// them.
func searchWindowQuery(p content.SearchParams, w searchWindow, pairs string, limit int) (string, []any) {
	var st searchStatement
	st.q.WriteString(`SELECT a.id FROM (SELECT a.id, a.published_at FROM articles a WHERE `)
	if pairs == "" {
		st.match(p)
	} else {
		st.q.WriteString(`search_word_pairs(a.search) @@ `)
		st.arg(pairs)
		st.q.WriteString(`::tsquery AND ts_match_vq(a.search, to_tsquery('simple', `)
		st.arg(tsMatch(p.Query))
		st.q.WriteString(`))`)
	}
	st.q.WriteString(` AND `)
	st.filters(p)
	if !w.from.IsZero() {
		st.q.WriteString(` AND a.published_at >= `)
		st.arg(w.from.UTC())
	}
	st.before(w.edge.at, w.edge.id)
	st.q.WriteString(` OFFSET 0) a ORDER BY a.published_at DESC, a.id DESC LIMIT `)
	st.arg(limit)
	return st.q.String(), st.args
}

// searchRankQuery writes the statement of the page of stories ids (the
// newest matches of p): in order of relevance after the cursor, or by
// date. A story published in the moment between the windows and now is
// left out by the final visibility check rather than shown early.
func (s *Store) searchRankQuery(p content.SearchParams, ids []int64) (string, []any) {
	var q strings.Builder
	var args []any
	arg := func(v any) {
		args = append(args, v)
		s.dialect.writeArg(&q, len(args))
	}
	q.WriteString(`SELECT ` + articleColumns + `, m.score FROM (`)
	order := s.scoreOrder()
	if p.Sort == content.ByDate {
		q.WriteString(`SELECT a.id, a.published_at, 0::float8 AS score FROM articles a WHERE a.id = ANY(`)
		arg(ids)
		q.WriteString(`)`)
		order = `m.published_at DESC, m.id DESC`
	} else {
		// ts_rank weighs A (headline) 1.0, B 0.4, C 0.2 by default.
		q.WriteString(`SELECT m.id, m.published_at, m.score FROM (SELECT a.id, a.published_at, ts_rank(a.search, to_tsquery('simple', `)
		arg(tsMatch(p.Query))
		q.WriteString(`))::float8 AS score FROM articles a WHERE a.id = ANY(`)
		arg(ids)
		q.WriteString(`)) m`)
		s.afterScore(&q, p, arg)
	}
	q.WriteString(`) m JOIN articles a ON a.id = m.id JOIN sections s ON s.id = a.section_id WHERE ` + sqlVisible)
	arg(p.Now.UTC())
	q.WriteString(` ORDER BY ` + order)
	return q.String(), args
}
