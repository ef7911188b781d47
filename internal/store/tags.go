package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"broadsheet/internal/content"
)

// Tags are known by slug and created when a story first names them,
// inside the transaction that saves it.

// TagBySlug returns the tag whose page is at slug.
func (s *Store) TagBySlug(ctx context.Context, slug string) (*content.Tag, error) {
	var t content.Tag
	if err := s.readRow(ctx, `SELECT id, slug, name FROM tags WHERE slug = $1`, slug).Scan(&t.ID, &t.Slug, &t.Name); err != nil {
		return nil, mapErr(err)
	}
	return &t, nil
}

// resolveTags gives each of a's tags its row, found by slug and created
// when new, in the order of their slugs (so that two saves creating the
// same tags wait for each other in one order, and never deadlock).
func resolveTags(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	order := make([]int, len(a.Tags))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return tagSlug(a.Tags[order[i]]) < tagSlug(a.Tags[order[j]]) })
	for _, i := range order {
		t, err := ensureTag(ctx, tx, a.Tags[i])
		if err != nil {
			return err
		}
		a.Tags[i] = t
	}
	seen := map[int64]bool{}
	out := a.Tags[:0]
	for _, t := range a.Tags {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	a.Tags = out
	return nil
}

func tagSlug(t content.Tag) string {
	if t.Slug != "" {
		return t.Slug
	}
	return content.Slugify(t.Name)
}

// ensureTag returns t's row, found by slug or inserted when new. A tag
// inserted meanwhile by another transaction is a conflict the insert
// skips (ON CONFLICT DO NOTHING waits for that transaction), and the row
// is read again: never a check then an insert that two saves could both
// pass.
func ensureTag(ctx context.Context, tx *sql.Tx, t content.Tag) (content.Tag, error) {
	t.Name, t.Slug = content.TidyName(t.Name), tagSlug(t)
	if t.Slug == "" {
		return t, fmt.Errorf("tag %q has no letter or digit to name it by", t.Name)
	}
	find := func() error {
		return tx.QueryRowContext(ctx, `SELECT id, name FROM tags WHERE slug = $1`, t.Slug).Scan(&t.ID, &t.Name)
	}
	err := find()
	if !errors.Is(err, sql.ErrNoRows) {
		return t, mapErr(err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO tags (slug, name) VALUES ($1, $2)
		ON CONFLICT (slug) DO NOTHING RETURNING id`, t.Slug, t.Name).Scan(&t.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = find()
	}
	return t, mapErr(err)
}

// linkTags links story a to its resolved tags, in order, in place of the
// ones it had.
func linkTags(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_tags WHERE article_id = $1`, a.ID); err != nil {
		return err
	}
	for i, t := range a.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag_id, position, published_at) VALUES ($1, $2, $3, $4)`,
			a.ID, t.ID, i, a.PublishedAt.UTC()); err != nil {
			return mapErr(err)
		}
	}
	return nil
}
