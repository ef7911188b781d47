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
// The cursor is written as two conditions, the first a plain range on
// published_at that an index bounds on either engine, the second
// settling the ties.
const sqlAfterCursor = ` AND a.published_at <= $3 AND (a.published_at < $3 OR a.id < $4)
	ORDER BY a.published_at DESC, a.id DESC LIMIT $5`

// cursorArgs are the cursor's arguments; from the newest without one.
func cursorArgs(now time.Time, after *content.Cursor) (time.Time, int64) {
	if after == nil {
		return now.UTC(), math.MaxInt64
	}
	return after.PublishedAt.UTC(), after.ID
}

// SectionArticles lists section id's stories published by now, newest
// first, after the cursor if any (index articles_section).
func (s *Store) SectionArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	at, last := cursorArgs(now, after)
	return scanArticles(s.readRows(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.section_id = $1 AND `+sqlVisible+`$2`+sqlAfterCursor, id, now.UTC(), at, last, limit))
}

// AuthorArticles lists author id's stories published by now, newest
// first, after the cursor if any.
func (s *Store) AuthorArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	at, last := cursorArgs(now, after)
	return scanArticles(s.readRows(ctx, `SELECT `+articleColumns+articleFrom+
		`JOIN article_authors x ON x.article_id = a.id WHERE x.author_id = $1 AND `+sqlVisible+`$2`+sqlAfterCursor,
		id, now.UTC(), at, last, limit))
}

// TagArticles lists tag id's stories published by now, newest first,
// after the cursor if any.
func (s *Store) TagArticles(ctx context.Context, now time.Time, id int64, after *content.Cursor, limit int) ([]*content.Article, error) {
	at, last := cursorArgs(now, after)
	return scanArticles(s.readRows(ctx, `SELECT `+articleColumns+articleFrom+
		`JOIN article_tags x ON x.article_id = a.id WHERE x.tag_id = $1 AND `+sqlVisible+`$2`+sqlAfterCursor,
		id, now.UTC(), at, last, limit))
}
