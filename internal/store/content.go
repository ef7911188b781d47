package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"broadsheet/internal/content"
)

const articleColumns = `a.id, a.slug, a.headline, a.summary, a.body, a.section_id, s.slug, s.name,
	a.author, a.access_level, a.editors_pick, a.wire_source, a.published_at, a.updated_at,
	a.status, a.body_format, a.body_html, a.revision,
	a.image, a.image_width, a.image_height, a.image_caption, a.image_credit, a.wire_disclaimer, s.vertical`

const articleFrom = ` FROM articles a JOIN sections s ON s.id = a.section_id `

func scanArticle(row interface{ Scan(...any) error }) (*content.Article, error) {
	var a content.Article
	var access, status, format, rendered string
	if err := row.Scan(&a.ID, &a.Slug, &a.Headline, &a.Summary, &a.Body, &a.SectionID, &a.SectionSlug, &a.SectionName,
		&a.Author, &access, &a.EditorsPick, &a.WireSource, &a.PublishedAt, &a.UpdatedAt,
		&status, &format, &rendered, &a.Revision,
		&a.Image.Name, &a.Image.Width, &a.Image.Height, &a.Image.Caption, &a.Image.Credit, &a.WireDisclaimer, &a.Vertical); err != nil {
		return nil, mapErr(err)
	}
	a.Access, a.Status, a.Format = content.Access(access), content.Status(status), content.Format(format)
	if a.Format == content.Markdown {
		if err := json.Unmarshal([]byte(rendered), &a.Rendered); err != nil {
			return nil, fmt.Errorf("story %d: stored blocks: %w", a.ID, err)
		}
	}
	a.PublishedAt, a.UpdatedAt = a.PublishedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// listColumns are a story's columns as a list of stories shows it: all
// but the body, which no list shows and which is most of a story's bytes
// (its text, and for Markdown its blocks, decoded per story read).
const listColumns = `a.id, a.slug, a.headline, a.summary, a.section_id, s.slug, s.name,
	a.author, a.access_level, a.editors_pick, a.wire_source, a.published_at, a.updated_at,
	a.status, a.body_format, a.revision,
	a.image, a.image_width, a.image_height, a.image_caption, a.image_credit, s.vertical`

// scanListed reads the stories of a list, selected by listColumns.
func scanListed(rows *sql.Rows, err error) ([]*content.Article, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*content.Article
	for rows.Next() {
		var a content.Article
		var access, status, format string
		if err := rows.Scan(&a.ID, &a.Slug, &a.Headline, &a.Summary, &a.SectionID, &a.SectionSlug, &a.SectionName,
			&a.Author, &access, &a.EditorsPick, &a.WireSource, &a.PublishedAt, &a.UpdatedAt,
			&status, &format, &a.Revision,
			&a.Image.Name, &a.Image.Width, &a.Image.Height, &a.Image.Caption, &a.Image.Credit, &a.Vertical); err != nil {
			return nil, mapErr(err)
		}
		a.Access, a.Status, a.Format = content.Access(access), content.Status(status), content.Format(format)
		a.PublishedAt, a.UpdatedAt = a.PublishedAt.UTC(), a.UpdatedAt.UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
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
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
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
	return scanSections(s.readRows(ctx, `SELECT id, slug, name, position, vertical FROM sections ORDER BY position, name, id`))
}

// scanSections reads sections from rows.
func scanSections(rows *sql.Rows, err error) ([]content.Section, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.Section
	for rows.Next() {
		var sec content.Section
		if err := rows.Scan(&sec.ID, &sec.Slug, &sec.Name, &sec.Position, &sec.Vertical); err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	return out, rows.Err()
}

// CreateArticle stores a new story, records it as saved, and returns its id.
func (s *Store) CreateArticle(ctx context.Context, a *content.Article) (int64, error) {
	var id int64
	undo := undoOnRollback(a)
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = createArticle(ctx, tx, a)
		return err
	})
	if err != nil {
		undo()
	}
	return id, err
}

// ImportArticles stores new stories in one transaction, each recorded as
// saved, and sets their ids: all of them or, on an error, none.
func (s *Store) ImportArticles(ctx context.Context, articles []*content.Article) error {
	ids := make([]int64, len(articles))
	undo := make([]func(), len(articles))
	for i, a := range articles {
		undo[i] = undoOnRollback(a)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		for i, a := range articles {
			if ids[i], err = createArticle(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, u := range undo {
			u()
		}
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
	if a.Status == "" {
		a.Status = content.StatusPublished
	}
	if a.Format == "" {
		a.Format = content.Text
	}
	rendered, err := renderedColumn(a)
	if err != nil {
		return 0, err
	}
	a.Revision = 1
	if err := resolveLinks(ctx, tx, a); err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO articles
		(slug, headline, summary, body, section_id, author, access_level, editors_pick, wire_source, published_at, updated_at,
		 status, body_format, body_html, revision, image, image_width, image_height, image_caption, image_credit, pick_position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, $17, $18, $19,
		 CASE WHEN $8 THEN `+sqlNewPick+` ELSE 0 END) RETURNING id`,
		a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
		a.PublishedAt.UTC(), a.UpdatedAt.UTC(), string(a.Status), string(a.Format), rendered,
		a.Image.Name, a.Image.Width, a.Image.Height, a.Image.Caption, a.Image.Credit).Scan(&id); err != nil {
		return 0, mapErr(err)
	}
	// Only a wire story has a disclaimer of its own: written apart, so
	// that the statement above is the same for every other story.
	if a.WireDisclaimer != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET wire_disclaimer = $2 WHERE id = $1`, id, a.WireDisclaimer); err != nil {
			return 0, err
		}
	}
	// A story taking a slug another story left ends that redirect.
	if _, err := tx.ExecContext(ctx, `DELETE FROM slug_redirects WHERE slug = $1`, a.Slug); err != nil {
		return 0, err
	}
	a.ID = id
	if err := writeLinks(ctx, tx, a); err != nil {
		return 0, err
	}
	return id, recordChange(ctx, tx, content.Change{Kind: content.Saved, ArticleID: id, SectionID: a.SectionID, Slug: a.Slug, ChangedAt: a.UpdatedAt})
}

var errEmptySlug = errors.New("a story needs a slug")

// renderedColumn is what body_html holds for a: a Markdown body's blocks
// as JSON, nothing for a text body.
func renderedColumn(a *content.Article) (string, error) {
	if a.Format != content.Markdown {
		return "", nil
	}
	return marshalHTML(a.Rendered)
}

// marshalHTML is json.Marshal without escaping <, > and & in strings:
// a column of HTML is a good third smaller, and reads back the same.
func marshalHTML(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
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

// sqlVisible, followed by the time, keeps the stories readers may find
// then: published, and their time come.
const sqlVisible = `a.status = 'published' AND a.published_at <= `

// ArticleBySlug returns a published story (published at or before now).
// With its authors and tags: a second statement, run when the caches in
// front of it miss.
func (s *Store) ArticleBySlug(ctx context.Context, slug string, now time.Time) (*content.Article, error) {
	a, err := scanArticle(s.readRow(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.slug = $1 AND `+sqlVisible+`$2`, slug, now.UTC()))
	return s.withLinks(ctx, a, err)
}

// LatestArticles lists published stories newest first, after the cursor
// when one is given, optionally in one section.
func (s *Store) LatestArticles(ctx context.Context, now time.Time, section string, after *content.Cursor, limit int) ([]*content.Article, error) {
	q := `SELECT ` + articleColumns + articleFrom + `WHERE ` + sqlVisible + `$1 AND ($2 = '' OR s.slug = $2)`
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

// sqlPickOrder is the order editors gave their picks.
const sqlPickOrder = `a.pick_position, a.published_at DESC, a.id DESC`

// sqlNewPick is the position of a story newly picked: the top.
const sqlNewPick = `(SELECT COALESCE(MIN(pick_position), 1) - 1 FROM articles WHERE editors_pick)`

// EditorsPicks lists the stories editors picked, in their order. The
// picks are found first, from their own index (p, which SQLite's CROSS
// JOIN keeps outermost): left to choose, SQLite walked the index of
// published stories instead, reading every story of an archive (minutes
// at a million).
func (s *Store) EditorsPicks(ctx context.Context, now time.Time, limit int) ([]*content.Article, error) {
	return scanArticles(s.readRows(ctx, sqlEditorsPicks, now.UTC(), limit))
}

const sqlEditorsPicks = `SELECT ` + articleColumns + ` FROM articles p CROSS JOIN articles a JOIN sections s ON s.id = a.section_id
	WHERE p.editors_pick AND a.id = p.id AND ` + sqlVisible + `$1 ORDER BY ` + sqlPickOrder + ` LIMIT $2`

// CountArticles counts every stored story.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n)
	return n, err
}
