package store

import (
	"context"
	"time"
)

// ArticleChange says a story was saved at a time.
type ArticleChange struct {
	Slug      string
	UpdatedAt time.Time
}

// ArticlesChangedSince lists the stories saved after since, oldest first.
// Instances that keep stories in memory poll it to drop the ones edited,
// here or on another instance.
func (s *Store) ArticlesChangedSince(ctx context.Context, since time.Time) ([]ArticleChange, error) {
	rows, err := s.readRows(ctx, `SELECT slug, updated_at FROM articles WHERE updated_at > $1 ORDER BY updated_at`, since.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ArticleChange
	for rows.Next() {
		var c ArticleChange
		if err := rows.Scan(&c.Slug, &c.UpdatedAt); err != nil {
			return nil, err
		}
		c.UpdatedAt = c.UpdatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
