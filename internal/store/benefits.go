package store

import (
	"context"
	"database/sql"

	"broadsheet/internal/offer"
)

// Benefits lists what a subscription may include, in the offer's order.
func (s *Store) Benefits(ctx context.Context) ([]offer.Benefit, error) {
	rows, err := s.readRows(ctx, `SELECT id, position, kind, title, body FROM benefits ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []offer.Benefit
	for rows.Next() {
		var b offer.Benefit
		var kind string
		if err := rows.Scan(&b.ID, &b.Position, &kind, &b.Title, &b.Body); err != nil {
			return nil, mapErr(err)
		}
		b.Kind = offer.Kind(kind)
		out = append(out, b)
	}
	return out, rows.Err()
}

// CreateBenefit adds a benefit of kind at the end of the list.
func (s *Store) CreateBenefit(ctx context.Context, kind offer.Kind, title, body string) (int64, error) {
	return createBenefit(ctx, s.w, kind, title, body)
}

// createBenefit adds a benefit of kind at the end of the list, in db or a
// transaction.
func createBenefit(ctx context.Context, db queryer, kind offer.Kind, title, body string) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, `INSERT INTO benefits (position, kind, title, body)
		VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM benefits), $1, $2, $3) RETURNING id`, string(kind), title, body).Scan(&id)
	return id, mapErr(err)
}

// UpdateBenefit changes a benefit's title and text; ErrNotFound if there
// is none.
func (s *Store) UpdateBenefit(ctx context.Context, id int64, title, body string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE benefits SET title = $2, body = $3 WHERE id = $1`, id, title, body))
}

// DeleteBenefit deletes a benefit; ErrNotFound if there is none, ErrInUse
// (the foreign key) if a newsletter list is gated by it.
func (s *Store) DeleteBenefit(ctx context.Context, id int64) error {
	return affectedOne(s.w.ExecContext(ctx, `DELETE FROM benefits WHERE id = $1`, id))
}

// MoveBenefit moves a benefit by one place, -1 towards the top, 1 towards
// the bottom; at either end it stays. The list is numbered anew from 1 in
// the same transaction, its rows held, so two admins moving at once each
// move from the order the other left.
func (s *Store) MoveBenefit(ctx context.Context, id int64, by int) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM benefits ORDER BY position, id`+s.forUpdate())
		if err != nil {
			return mapErr(err)
		}
		var ids []int64
		for rows.Next() {
			var b int64
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return mapErr(err)
			}
			ids = append(ids, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		at := -1
		for i, b := range ids {
			if b == id {
				at = i
			}
		}
		if at < 0 {
			return ErrNotFound
		}
		if to := at + by; to >= 0 && to < len(ids) {
			ids[at], ids[to] = ids[to], ids[at]
		}
		for i, b := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE benefits SET position = $2 WHERE id = $1 AND position <> $2`, b, i+1); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// affectedOne turns a statement's result into ErrNotFound when it changed
// no row.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}
