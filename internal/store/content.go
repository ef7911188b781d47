package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
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

// CreateSection adds a section, or returns the existing one with that slug.
func (s *Store) CreateSection(ctx context.Context, sec content.Section) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO sections (slug, name, position) VALUES ($1, $2, $3)
		ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`, sec.Slug, sec.Name, sec.Position).Scan(&id)
	return id, mapErr(err)
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

// CreateArticle stores a new story and returns its id.
func (s *Store) CreateArticle(ctx context.Context, a *content.Article) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO articles
		(slug, headline, summary, body, section_id, author, access_level, editors_pick, wire_source, published_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
		a.PublishedAt.UTC(), a.UpdatedAt.UTC()).Scan(&id)
	return id, mapErr(err)
}

// UpdateArticle saves a story's text, section, access and flags under its
// id and stamps it with updatedAt, which is how instances keeping stories
// in memory learn of the edit (see ArticlesChangedSince).
func (s *Store) UpdateArticle(ctx context.Context, a *content.Article, updatedAt time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE articles SET headline = $2, summary = $3, body = $4, section_id = $5,
		author = $6, access_level = $7, editors_pick = $8, wire_source = $9, published_at = $10, updated_at = $11
		WHERE id = $1`,
		a.ID, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
		a.PublishedAt.UTC(), updatedAt.UTC())
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return dberr.ErrNotFound
	}
	a.UpdatedAt = updatedAt.UTC()
	return nil
}

// ArticleBySlug returns a published story (published at or before now).
func (s *Store) ArticleBySlug(ctx context.Context, slug string, now time.Time) (*content.Article, error) {
	return scanArticle(s.readRow(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.slug = $1 AND a.published_at <= $2`, slug, now.UTC()))
}

// ArticleCursor marks a place in the newest-first list of stories.
type ArticleCursor struct {
	PublishedAt time.Time
	ID          int64
}

// LatestArticles lists published stories newest first, after the cursor
// when one is given, optionally in one section.
func (s *Store) LatestArticles(ctx context.Context, now time.Time, section string, after *ArticleCursor, limit int) ([]*content.Article, error) {
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
