package store

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"time"

	"broadsheet/internal/content"
)

// The newsroom's sections: added at the end of the order, renamed,
// moved, and deleted while they hold no story. Each change is recorded
// (content.SectionSaved) so that the section links and the stories that
// show a section's name are read anew.

// lockSections makes the section writers of a transaction take turns on
// PostgreSQL (SQLite has one writer): an addition and a move at once
// would otherwise each number positions from what they read. Readers and
// story saves, which only refer to sections, are not held.
func (s *Store) lockSections(ctx context.Context, tx *sql.Tx) error {
	if s.SingleWriter() {
		return nil
	}
	_, err := tx.ExecContext(ctx, `LOCK TABLE sections IN SHARE ROW EXCLUSIVE MODE`)
	return err
}

// AddSection adds a section after the others; ErrConflict when another
// has the slug.
func (s *Store) AddSection(ctx context.Context, slug, name string, at time.Time) (content.Section, error) {
	sec := content.Section{Slug: slug, Name: name}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO sections (slug, name, position)
			VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sections)) RETURNING id, position`,
			slug, name).Scan(&sec.ID, &sec.Position); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, content.Change{Kind: content.SectionSaved, SectionID: sec.ID, Slug: slug, ChangedAt: at})
	})
	return sec, err
}

// RenameSection gives section id a new name; ErrNotFound if there is no
// such section.
func (s *Store) RenameSection(ctx context.Context, id int64, name string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
		var slug string
		if err := tx.QueryRowContext(ctx, `UPDATE sections SET name = $2 WHERE id = $1 RETURNING slug`, id, name).Scan(&slug); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, content.Change{Kind: content.SectionSaved, SectionID: id, Slug: slug, ChangedAt: at})
	})
}

// MoveSection moves section id one place up (by -1) or down (by 1) the
// order, numbering every section anew from 1 in one transaction, so
// positions stay distinct whatever was stored before. It reports whether
// the section exists.
func (s *Store) MoveSection(ctx context.Context, id int64, by int, at time.Time) (bool, error) {
	var found bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
		secs, err := sectionsIn(ctx, tx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(secs, func(sec content.Section) bool { return sec.ID == id })
		if found = i >= 0; !found {
			return nil
		}
		if j := i + by; j >= 0 && j < len(secs) {
			secs[i], secs[j] = secs[j], secs[i]
		}
		for n, sec := range secs {
			if sec.Position == n+1 {
				continue // already in its place
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sections SET position = $2 WHERE id = $1`, sec.ID, n+1); err != nil {
				return err
			}
			c := content.Change{Kind: content.SectionSaved, SectionID: sec.ID, Slug: sec.Slug, ChangedAt: at}
			if err := recordChange(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	return found, err
}

// sectionsIn reads the sections inside tx in display order (sorted here:
// the order is the one the positions read give, ties by name then id).
func sectionsIn(ctx context.Context, tx *sql.Tx) ([]content.Section, error) {
	out, err := scanSections(tx.QueryContext(ctx, `SELECT id, slug, name, position, vertical FROM sections`))
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Position != b.Position {
			return a.Position < b.Position
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return out, nil
}

// DeleteSection deletes section id. The database refuses while stories
// are filed in it (articles.section_id refers to it): ErrInUse, and
// nothing changes. ErrNotFound if there is no such section.
func (s *Store) DeleteSection(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
		// Wire feeds deleted before go with their section; one in use
		// keeps it (the database refuses).
		if _, err := tx.ExecContext(ctx, `DELETE FROM wire_feeds WHERE section_id = $1 AND deleted_at IS NOT NULL`, id); err != nil {
			return err
		}
		var slug string
		if err := tx.QueryRowContext(ctx, `DELETE FROM sections WHERE id = $1 RETURNING slug`, id).Scan(&slug); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, content.Change{Kind: content.SectionSaved, SectionID: id, Slug: slug, ChangedAt: at})
	})
}

// SetSectionVertical puts section id in the market-insights vertical or
// takes it out, and records the change, so that its stories are read
// anew with the flag; ErrNotFound if there is no such section.
func (s *Store) SetSectionVertical(ctx context.Context, id int64, vertical bool, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockSections(ctx, tx); err != nil {
			return err
		}
		var slug string
		if err := tx.QueryRowContext(ctx, `UPDATE sections SET vertical = $2 WHERE id = $1 RETURNING slug`, id, vertical).Scan(&slug); err != nil {
			return mapErr(err)
		}
		return recordChange(ctx, tx, content.Change{Kind: content.SectionSaved, SectionID: id, Slug: slug, ChangedAt: at})
	})
}
