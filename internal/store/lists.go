package store

import (
	"context"
	"math"
	"time"

	"broadsheet/internal/content"
)

// The public pages of a section, an author and a tag list their published
// stories newest first, a page at a time after a cursor (published_at,
// id): never OFFSET, so a page deep in the past costs what the first does.
// Each list is read in the order of an index that starts with the list's
// id: articles_section for a section; for an author or a tag, the links'
// own copy of their story's time (article_authors_page, article_tags_page),
// so the index gives the order and the stories are joined a page's worth
// at a time.

// listKind names one of the lists with pages.
type listKind int

const (
	sectionList listKind = iota
	authorList
	tagList
)

// The cursor is written as two conditions, the first a plain range on the
// time that an index bounds on either engine, the second settling the
// ties. The cursor's time is never later than now (see cursorArgs), so it
// alone bounds the range: given the cursor's and now's, SQLite may bound
// its scan by the later one, and read every story in between. Arguments:
// $1 the list's id, $2 and $3 the cursor, $4 the limit; $5 now, where the
// story's own time is checked again beside its link's.
var listQueries = [...]string{
	sectionList: `SELECT ` + listColumns + articleFrom +
		`WHERE a.section_id = $1 AND a.status = 'published'
		AND a.published_at <= $2 AND (a.published_at < $2 OR a.id < $3)
		ORDER BY a.published_at DESC, a.id DESC LIMIT $4`,
	authorList: `SELECT ` + listColumns + ` FROM article_authors x
		JOIN articles a ON a.id = x.article_id JOIN sections s ON s.id = a.section_id
		WHERE x.author_id = $1 AND x.published_at <= $2 AND (x.published_at < $2 OR x.article_id < $3)
		AND ` + sqlVisible + `$5
		ORDER BY x.published_at DESC, x.article_id DESC LIMIT $4`,
	tagList: `SELECT ` + listColumns + ` FROM article_tags x
		JOIN articles a ON a.id = x.article_id JOIN sections s ON s.id = a.section_id
		WHERE x.tag_id = $1 AND x.published_at <= $2 AND (x.published_at < $2 OR x.article_id < $3)
		AND ` + sqlVisible + `$5
		ORDER BY x.published_at DESC, x.article_id DESC LIMIT $4`,
}

// cursorArgs are a list's arguments: from the newest without a cursor,
// or with one later than now (which only a hand-made address has), since
// nothing after now is listed.
func cursorArgs(kind listKind, id int64, now time.Time, after *content.Cursor, limit int) []any {
	at, last := now.UTC(), int64(math.MaxInt64)
	if after != nil && !after.PublishedAt.After(now) {
		at, last = after.PublishedAt.UTC(), after.ID
	}
	if kind == sectionList {
		return []any{id, at, last, limit}
	}
	return []any{id, at, last, limit, now.UTC()}
}

// listArticles reads a page of list kind id, without the stories' bodies.
func (s *Store) listArticles(ctx context.Context, kind listKind, id int64, now time.Time, after *content.Cursor, limit int) ([]*content.Article, error) {
	return scanListed(s.readRows(ctx, listQueries[kind], cursorArgs(kind, id, now, after, limit)...))
}

// SectionArticles lists section id's stories published by now, newest
// first, after the cursor if any.
func (s *Store) SectionArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	return s.listArticles(ctx, sectionList, id, now, after, limit)
}

// VerticalArticles lists the stories of the sections in the
// market-insights vertical published by now, newest first, after the
// cursor if any.
func (s *Store) VerticalArticles(ctx context.Context, now time.Time, after *content.Cursor, limit int) ([]*content.Article, error) {
	args := cursorArgs(sectionList, 0, now, after, limit)[1:] // the cursor and the limit: no list's id
	return scanListed(s.readRows(ctx, `SELECT `+listColumns+articleFrom+
		`WHERE s.vertical AND a.status = 'published'
		AND a.published_at <= $1 AND (a.published_at < $1 OR a.id < $2)
		ORDER BY a.published_at DESC, a.id DESC LIMIT $3`, args...))
}

// AuthorArticles lists author id's stories published by now, newest
// first, after the cursor if any.
func (s *Store) AuthorArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	return s.listArticles(ctx, authorList, id, now, after, limit)
}

// TagArticles lists tag id's stories published by now, newest first,
// after the cursor if any.
func (s *Store) TagArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	return s.listArticles(ctx, tagList, id, now, after, limit)
}
