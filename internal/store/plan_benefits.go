package store

import (
	"context"
	"database/sql"
	"slices"

	"broadsheet/internal/offer"
)

// What each plan includes: a row of plan_benefits per plan and benefit.

// PlanBenefits lists every plan, retired ones too, in display order, each
// with the benefits it includes in the offer's order: what the catalog the
// gates read is made of.
func (s *Store) PlanBenefits(ctx context.Context) ([]offer.Plan, error) {
	rows, err := s.readRows(ctx, `SELECT p.id, p.code, p.name, p.active, b.id
		FROM plans p
		LEFT JOIN plan_benefits pb ON pb.plan_id = p.id
		LEFT JOIN benefits b ON b.id = pb.benefit_id
		ORDER BY p.position, p.id, b.position, b.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []offer.Plan
	for rows.Next() {
		var p offer.Plan
		var benefit sql.NullInt64
		if err := rows.Scan(&p.ID, &p.Code, &p.Name, &p.Active, &benefit); err != nil {
			return nil, mapErr(err)
		}
		if n := len(out); n == 0 || out[n-1].ID != p.ID {
			out = append(out, p)
		}
		if benefit.Valid {
			last := &out[len(out)-1]
			last.Benefits = append(last.Benefits, benefit.Int64)
		}
	}
	return out, rows.Err()
}

// SetPlanBenefits makes the plan include exactly the benefits ids, in one
// transaction with the plan's row held: ErrNotFound if there is no such
// plan, ErrInUse (the foreign key) if a benefit does not exist, and then
// nothing changes.
func (s *Store) SetPlanBenefits(ctx context.Context, planID int64, ids []int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM plans WHERE id = $1`+s.forUpdate(), planID).Scan(&one); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_benefits WHERE plan_id = $1`, planID); err != nil {
			return mapErr(err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_benefits (plan_id, benefit_id) VALUES ($1, $2)`, planID, id); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// OrderBenefits puts the benefits ids first, in that order, and the others
// after them as they were.
func (s *Store) OrderBenefits(ctx context.Context, ids []int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM benefits ORDER BY position, id`+s.forUpdate())
		if err != nil {
			return mapErr(err)
		}
		var rest []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return mapErr(err)
			}
			rest = append(rest, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		order := append([]int64(nil), ids...)
		for _, id := range rest {
			if !slices.Contains(ids, id) {
				order = append(order, id)
			}
		}
		for i, id := range order {
			if _, err := tx.ExecContext(ctx, `UPDATE benefits SET position = $2 WHERE id = $1`, id, i+1); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// newPlanBenefits gives a plan just added what every paid subscription
// gave before plans had benefits of their own (premium stories, the
// archive, ad-free reading), unless it includes something already; an
// admin changes that per plan.
const newPlanBenefits = `INSERT INTO plan_benefits (plan_id, benefit_id)
	SELECT CAST($1 AS BIGINT), id FROM benefits WHERE kind IN ('premium', 'archive', 'ad_free')
	AND NOT EXISTS (SELECT 1 FROM plan_benefits WHERE plan_id = $1)`
