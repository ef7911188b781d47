package store

import (
	"context"
	"database/sql"
	"slices"

	"broadsheet/internal/content"
)

// Picks lists the stories on the editors' picks list, in its order,
// whatever their state, at most limit.
func (s *Store) Picks(ctx context.Context, limit int) ([]*content.Article, error) {
	return scanArticles(s.readRows(ctx, `SELECT `+articleColumns+articleFrom+
		`WHERE a.editors_pick ORDER BY `+sqlPickOrder+` LIMIT $1`, limit))
}

// MovePick moves story id one place up (by -1) or down (by 1) the editors'
// picks list, numbering the list anew in one transaction. It reports
// whether the story is on the list.
func (s *Store) MovePick(ctx context.Context, id int64, by int) (bool, error) {
	var found bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !s.SingleWriter() {
			// Hold every pick, in the order of their ids, which no move
			// changes: held in the list's order, two moves at once could
			// each hold what the other waits for.
			if _, err := tx.ExecContext(ctx, `SELECT id FROM articles WHERE editors_pick ORDER BY id FOR UPDATE`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.pick_position FROM articles a WHERE a.editors_pick ORDER BY `+sqlPickOrder)
		if err != nil {
			return err
		}
		var ids []int64
		var positions []int
		for rows.Next() {
			var pid int64
			var pos int
			if err := rows.Scan(&pid, &pos); err != nil {
				rows.Close()
				return err
			}
			ids, positions = append(ids, pid), append(positions, pos)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		i := slices.Index(ids, id)
		if found = i >= 0; !found {
			return nil
		}
		was := slices.Clone(ids)
		if j := i + by; j >= 0 && j < len(ids) {
			ids[i], ids[j] = ids[j], ids[i]
		}
		for n, pid := range ids {
			if pid == was[n] && positions[n] == n+1 {
				continue // already in its place
			}
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET pick_position = $2 WHERE id = $1`, pid, n+1); err != nil {
				return err
			}
		}
		return nil
	})
	return found, err
}
