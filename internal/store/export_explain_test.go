package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// ExplainCountPublished returns the engine's plan of CountPublished.
func (s *Store) ExplainCountPublished(ctx context.Context, now time.Time, bounds []time.Time) (string, error) {
	q, args := countPublishedQuery(now, bounds)
	return s.explain(ctx, q, args)
}

// ExplainSitemapStories returns the engine's plan of SitemapStories.
func (s *Store) ExplainSitemapStories(ctx context.Context, now time.Time, from *content.Cursor, limit int) (string, error) {
	q, args := sitemapStoriesQuery(now, from, limit)
	return s.explain(ctx, q, args)
}

// ExplainSitemapLastChange returns the engine's plan of a stories file's
// lastmod.
func (s *Store) ExplainSitemapLastChange(ctx context.Context, now time.Time, from, to *content.Cursor) (string, error) {
	q, args := sitemapLastChangeQuery(now, from, to)
	return s.explain(ctx, q, args)
}

// ExplainEditorsPicks returns the engine's plan of EditorsPicks.
func (s *Store) ExplainEditorsPicks(ctx context.Context, now time.Time, limit int) (string, error) {
	return s.explain(ctx, sqlEditorsPicks, []any{now.UTC(), limit})
}

// ExplainSearch returns the engine's plan of a search.
// On PostgreSQL, the plans of the first walk and of the windows after it.
func (s *Store) ExplainSearch(ctx context.Context, p content.SearchParams) (string, error) {
	if s.SingleWriter() {
		terms, err := s.ftsTermsOf(ctx, p.Query)
		if err != nil {
			return "", err
		}
		q, args := s.searchQuery(p, terms)
		return s.explain(ctx, q, args)
	}
	need := rankAmong
	if p.Sort == content.ByDate {
		need = p.Limit
	}
	var b strings.Builder
	size := s.walkSize()
	q, args := searchWalkQuery(p, nil, size.stories, need)
	plan, err := s.explain(ctx, q, args)
	if err != nil {
		return "", err
	}
	b.WriteString("walk:\n" + plan)
	ids, edge, err := s.searchWalk(ctx, p, nil, size.stories, need)
	if err != nil || edge == nil {
		return b.String(), err
	}
	pairs, err := s.phrasePairs(ctx, p)
	if err != nil {
		return "", err
	}
	for _, w := range searchWindows(p, *edge, size.stories, len(ids), need) {
		q, args = searchWindowQuery(p, w, pairs, need)
		plan, err := s.explain(ctx, q, args)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "window from %s (after walking %d stories only):\n%s", w.from.Format(time.DateOnly), size.stories, plan)
	}
	return b.String(), nil
}

// explain returns the engine's plan of a query, for benchmarks to print:
// EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite.
func (s *Store) explain(ctx context.Context, q string, args []any) (string, error) {
	explain := "EXPLAIN ANALYZE "
	if s.SingleWriter() {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.r.QueryContext(ctx, explain+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintln(&b, vals...)
	}
	return b.String(), rows.Err()
}

// ListKind names a list with pages, for ExplainList.
type ListKind = listKind

// The lists with pages.
const (
	SectionList = sectionList
	AuthorList  = authorList
	TagList     = tagList
)

// ExplainList returns the engine's plan of a page of list kind id.
func (s *Store) ExplainList(ctx context.Context, kind ListKind, now time.Time, id int64, after *content.Cursor, limit int) (string, error) {
	return s.explain(ctx, listQueries[kind], cursorArgs(kind, id, now, after, limit))
}
