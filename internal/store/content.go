package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"broadsheet/internal/content"
)

const articleColumns = `a.id, a.slug, a.headline, a.summary, a.body, a.section_id, s.slug, s.name,
	a.author, a.access_level, a.editors_pick, a.wire_source, a.published_at, a.updated_at`

const articleFrom = ` FROM articles a JOIN sections s ON s.id = a.section_id `

func scanArticle(row interface{ Scan(...any) error }) (*content.Article, error) {
	var a content.Article
	var access string
	if err := row.Scan(&a.ID, &a.Slug, &a.Headline, &a.Summary, &a.Body, &a.SectionID, &a.SectionSlug, &a.SectionName,
		&a.Author, &access, &a.EditorsPick, &a.WireSource, &a.PublishedAt, &a.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	a.Access = content.Access(access)
	a.PublishedAt, a.UpdatedAt = a.PublishedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func scanArticles(rows *sql.Rows, err error) ([]*content.Article, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*content.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateSection adds a section, or renames the existing one with that
// slug, and records the change (see content.SectionSaved).
func (s *Store) CreateSection(ctx context.Context, sec content.Section) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO sections (slug, name, position) VALUES ($1, $2, $3)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`, sec.Slug, sec.Name, sec.Position).Scan(&id); err != nil {
			return mapErr(err)
		}
		// The change's time is only for people reading the log: its
		// number, not its time, orders it.
		return recordChange(ctx, tx, content.Change{Kind: content.SectionSaved, SectionID: id, Slug: sec.Slug, ChangedAt: time.Now()})
	})
	return id, err
}

// Sections lists the sections in display order.
func (s *Store) Sections(ctx context.Context) ([]content.Section, error) {
	rows, err := s.readRows(ctx, `SELECT id, slug, name, position FROM sections ORDER BY position, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.Section
	for rows.Next() {
		var sec content.Section
		if err := rows.Scan(&sec.ID, &sec.Slug, &sec.Name, &sec.Position); err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	return out, rows.Err()
}

// CreateArticle stores a new story, records it as saved, and returns its id.
func (s *Store) CreateArticle(ctx context.Context, a *content.Article) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = createArticle(ctx, tx, a)
		return err
	})
	return id, err
}

// ImportArticles stores new stories in one transaction, each recorded as
// saved, and sets their ids: all of them or, on an error, none.
func (s *Store) ImportArticles(ctx context.Context, articles []*content.Article) error {
	ids := make([]int64, len(articles))
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		for i, a := range articles {
			if ids[i], err = createArticle(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, a := range articles {
		a.ID = ids[i]
	}
	return nil
}

func createArticle(ctx context.Context, tx *sql.Tx, a *content.Article) (int64, error) {
	if a.Slug == "" {
		return 0, errEmptySlug
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO articles
		(slug, headline, summary, body, section_id, author, access_level, editors_pick, wire_source, published_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
		a.PublishedAt.UTC(), a.UpdatedAt.UTC()).Scan(&id); err != nil {
		return 0, mapErr(err)
	}
	return id, recordChange(ctx, tx, content.Change{Kind: content.Saved, ArticleID: id, SectionID: a.SectionID, Slug: a.Slug, ChangedAt: a.UpdatedAt})
}

var errEmptySlug = errors.New("a story needs a slug")

// UpdateArticle saves a story under its id (its slug, text, section,
// access and flags), stamps it with updatedAt, and records the change:
// saved, slug_changed (with the slug it left) or unpublished, so that
// instances keeping stories in memory drop what it makes stale. A slug
// another story has is refused with ErrConflict and changes nothing.
func (s *Store) UpdateArticle(ctx context.Context, a *content.Article, updatedAt time.Time) error {
	if a.Slug == "" {
		return errEmptySlug
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Hold the row, so the slug it leaves is the one it had: of two
		// renames at once, the second records the first one's slug.
		lock := `SELECT slug, published_at FROM articles WHERE id = $1`
		if !s.SingleWriter() {
			lock += ` FOR UPDATE`
		}
		var oldSlug string
		var published time.Time
		if err := tx.QueryRowContext(ctx, lock, a.ID).Scan(&oldSlug, &published); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET slug = $2, headline = $3, summary = $4, body = $5,
			section_id = $6, author = $7, access_level = $8, editors_pick = $9, wire_source = $10, published_at = $11,
			updated_at = $12 WHERE id = $1`,
			a.ID, a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
			a.PublishedAt.UTC(), updatedAt.UTC()); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, changeOf(a, oldSlug, !published.After(updatedAt), updatedAt))
	})
	if err != nil {
		return err
	}
	a.UpdatedAt = updatedAt.UTC()
	return nil
}

// DeleteArticle deletes a story and records it as deleted, or returns
// ErrNotFound.
func (s *Store) DeleteArticle(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		c := content.Change{Kind: content.Deleted, ArticleID: id, ChangedAt: at}
		if err := tx.QueryRowContext(ctx, `DELETE FROM articles WHERE id = $1 RETURNING slug, section_id`, id).
			Scan(&c.Slug, &c.SectionID); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, c)
	})
}

// ArticleBySlug returns a published story (published at or before now).
func (s *Store) ArticleBySlug(ctx context.Context, slug string, now time.Time) (*content.Article, error) {
	return scanArticle(s.readRow(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.slug = $1 AND a.published_at <= $2`, slug, now.UTC()))
}

// LatestArticles lists published stories newest first, after the cursor
// when one is given, optionally in one section.
func (s *Store) LatestArticles(ctx context.Context, now time.Time, section string, after *content.Cursor, limit int) ([]*content.Article, error) {
	q := `SELECT ` + articleColumns + articleFrom + `WHERE a.published_at <= $1 AND ($2 = '' OR s.slug = $2)`
	args := []any{now.UTC(), section}
	if after != nil {
		q += ` AND (a.published_at < $4 OR (a.published_at = $4 AND a.id < $5))`
		args = append(args, limit, after.PublishedAt.UTC(), after.ID)
	} else {
		args = append(args, limit)
	}
	q += ` ORDER BY a.published_at DESC, a.id DESC LIMIT $3`
	return scanArticles(s.readRows(ctx, q, args...))
}

// EditorsPicks lists the stories editors picked, newest first.
func (s *Store) EditorsPicks(ctx context.Context, now time.Time, limit int) ([]*content.Article, error) {
	return scanArticles(s.readRows(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.editors_pick AND a.published_at <= $1 ORDER BY a.published_at DESC, a.id DESC LIMIT $2`, now.UTC(), limit))
}

// CountArticles counts every stored story.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n)
	return n, err
}
