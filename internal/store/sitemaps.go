package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/sitemaps"
)

// The sitemaps list every published story, oldest first, in files of a
// fixed number of stories, each file starting at a story's key
// (published_at, id). Every statement is a keyset range over the index of
// status and published times (articles_status_published), never an
// offset from the start, so a file deep in an archive of a million
// stories costs what the first does.

// sqlFromKey keeps the stories at or after the key ($2, $3), in key order.
const sqlFromKey = ` AND a.published_at >= $2 AND (a.published_at > $2 OR a.id >= $3) ORDER BY a.published_at, a.id`

// fromKey is a key's arguments; the first story's without one.
func fromKey(from *content.Cursor) (time.Time, int64) {
	if from == nil {
		return time.Time{}.UTC(), 0
	}
	return from.PublishedAt.UTC(), from.ID
}

// SitemapStart returns the key of the story skip places after from (at or
// after it, in key order) among those published by now; ok is false when
// there are not that many. It reads only the index.
func (s *Store) SitemapStart(ctx context.Context, now time.Time, from *content.Cursor, skip int) (key content.Cursor, ok bool, err error) {
	at, id := fromKey(from)
	err = s.readRow(ctx, `SELECT a.published_at, a.id FROM articles a WHERE `+sqlVisible+`$1`+sqlFromKey+` LIMIT 1 OFFSET $4`,
		now.UTC(), at, id, skip).Scan(&key.PublishedAt, &key.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Cursor{}, false, nil
	}
	if err != nil {
		return content.Cursor{}, false, err
	}
	key.PublishedAt = key.PublishedAt.UTC()
	return key, true, nil
}

// SitemapStories lists up to limit stories published by now, at or after
// the key from (nil: the first), oldest first: their addresses and times.
func (s *Store) SitemapStories(ctx context.Context, now time.Time, from *content.Cursor, limit int) ([]sitemaps.Entry, error) {
	q, args := sitemapStoriesQuery(now, from, limit)
	return scanEntries(s.readRows(ctx, q, args...))
}

func sitemapStoriesQuery(now time.Time, from *content.Cursor, limit int) (string, []any) {
	at, id := fromKey(from)
	return `SELECT a.id, a.slug, a.headline, a.published_at, a.updated_at FROM articles a WHERE ` +
		sqlVisible + `$1` + sqlFromKey + ` LIMIT $4`, []any{now.UTC(), at, id, limit}
}

// RecentStories lists up to limit stories published after since and by
// now, newest first.
func (s *Store) RecentStories(ctx context.Context, now, since time.Time, limit int) ([]sitemaps.Entry, error) {
	return scanEntries(s.readRows(ctx, `SELECT a.id, a.slug, a.headline, a.published_at, a.updated_at FROM articles a WHERE `+
		sqlVisible+`$1 AND a.published_at > $2 ORDER BY a.published_at DESC, a.id DESC LIMIT $3`, now.UTC(), since.UTC(), limit))
}

func scanEntries(rows *sql.Rows, err error) ([]sitemaps.Entry, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sitemaps.Entry
	for rows.Next() {
		var e sitemaps.Entry
		if err := rows.Scan(&e.ID, &e.Slug, &e.Headline, &e.PublishedAt, &e.UpdatedAt); err != nil {
			return nil, err
		}
		e.PublishedAt, e.UpdatedAt = e.PublishedAt.UTC(), e.UpdatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// SitemapLastChange returns the latest change (updated_at) among the
// stories published by now from the key from (nil: the first) up to, not
// including, the key to (nil: to the last): a stories file's lastmod. ok
// is false when there are none. It reads the range of the index of status
// and published times, which carries updated_at (migration 0039), so no
// story's row is read.
func (s *Store) SitemapLastChange(ctx context.Context, now time.Time, from, to *content.Cursor) (at time.Time, ok bool, err error) {
	q, args := sitemapLastChangeQuery(now, from, to)
	err = s.readRow(ctx, q, args...).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return at.UTC(), err == nil, err
}

func sitemapLastChangeQuery(now time.Time, from, to *content.Cursor) (string, []any) {
	at, id := fromKey(from)
	// An end past every story stands for "to the last", so that one
	// statement serves every file.
	end, endID := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), int64(0)
	if to != nil {
		end, endID = to.PublishedAt.UTC(), to.ID
	}
	return `SELECT a.updated_at FROM articles a WHERE ` + sqlVisible + `$1 AND a.published_at >= $2 AND (a.published_at > $2 OR a.id >= $3)
		AND a.published_at <= $4 AND (a.published_at < $4 OR a.id < $5) ORDER BY a.updated_at DESC LIMIT 1`,
		[]any{now.UTC(), at, id, end, endID}
}

// SectionLastChange returns the last change of the newest story of a
// section published by now: its page's lastmod. It is a step down the
// index of the section's stories by time.
func (s *Store) SectionLastChange(ctx context.Context, now time.Time, section int64) (at time.Time, ok bool, err error) {
	err = s.readRow(ctx, `SELECT a.updated_at FROM articles a WHERE a.section_id = $2 AND `+sqlVisible+`$1
		ORDER BY a.published_at DESC, a.id DESC LIMIT 1`, now.UTC(), section).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return at.UTC(), err == nil, err
}

// SitemapAuthors lists the slugs of up to limit authors with a story
// published by now, by slug: an author of drafts alone has no page to
// list. Each author's look is a step down the index of their stories by
// time, which stops at the first story out.
func (s *Store) SitemapAuthors(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return scanColumn[string](s.readRows(ctx, `SELECT au.slug FROM authors au WHERE EXISTS (SELECT 1 FROM article_authors x
		JOIN articles a ON a.id = x.article_id WHERE x.author_id = au.id AND x.published_at <= $1 AND `+sqlVisible+`$1)
		ORDER BY au.slug LIMIT $2`, now.UTC(), limit))
}
