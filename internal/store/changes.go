package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// The content change log (content_changes) has a row for every change to a
// story or a section, written in the change's own transaction, so that a
// reader of the log learns of every committed change and of no other.

const changeColumns = `seq, kind, article_id, section_id, slug, old_slug, changed_at`

// recordChange appends c to the change log inside tx.
func recordChange(ctx context.Context, tx *sql.Tx, c content.Change) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO content_changes (kind, article_id, section_id, slug, old_slug, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, string(c.Kind), c.ArticleID, c.SectionID, c.Slug, c.OldSlug, c.ChangedAt.UTC())
	return mapErr(err)
}

// LastChange returns the number of the newest change in the log, 0 if
// there is none.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := s.readRow(ctx, `SELECT MAX(seq) FROM content_changes`).Scan(&seq)
	return seq.Int64, err
}

// ChangesAfter returns up to limit changes numbered above seq, in order.
func (s *Store) ChangesAfter(ctx context.Context, seq int64, limit int) ([]content.Change, error) {
	return scanChanges(s.readRows(ctx, `SELECT `+changeColumns+` FROM content_changes
		WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit))
}

// ChangesAt returns those of the changes numbered seqs that exist, in
// order: a reader of the log asks again for numbers it saw skipped, which
// on PostgreSQL may belong to a change that commits late.
func (s *Store) ChangesAt(ctx context.Context, seqs []int64) ([]content.Change, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + changeColumns + ` FROM content_changes WHERE seq IN (`)
	args := make([]any, len(seqs))
	for i, seq := range seqs {
		if i > 0 {
			q.WriteByte(',')
		}
		s.dialect.writeArg(&q, i+1)
		args[i] = seq
	}
	q.WriteString(`) ORDER BY seq`)
	// Not prepared: each length of list would be a statement kept for ever.
	return scanChanges(s.r.QueryContext(ctx, q.String(), args...))
}

func scanChanges(rows *sql.Rows, err error) ([]content.Change, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.Change
	for rows.Next() {
		var c content.Change
		var kind string
		if err := rows.Scan(&c.Seq, &kind, &c.ArticleID, &c.SectionID, &c.Slug, &c.OldSlug, &c.ChangedAt); err != nil {
			return nil, err
		}
		c.Kind = content.ChangeKind(kind)
		c.ChangedAt = c.ChangedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// changeOf names what an update of a story did, from its slug and
// publication before and after, at the time of the update.
func changeOf(a *content.Article, oldSlug string, wasPublished bool, at time.Time) content.Change {
	c := content.Change{Kind: content.Saved, ArticleID: a.ID, SectionID: a.SectionID, Slug: a.Slug, ChangedAt: at}
	if oldSlug != a.Slug {
		c.Kind, c.OldSlug = content.SlugChanged, oldSlug
	}
	if wasPublished && !a.Visible(at) {
		c.Kind = content.Unpublished
	}
	return c
}
