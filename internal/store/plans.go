package store

import (
	"context"
	"database/sql"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// UpsertPlan creates or updates a plan by its code. A plan it creates
// includes the benefits a new plan does (see newPlanBenefits).
func (s *Store) UpsertPlan(ctx context.Context, p billing.Plan) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO plans (code, name, price_paise, currency, term_months, position, active)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, price_paise = excluded.price_paise,
				currency = excluded.currency, term_months = excluded.term_months, position = excluded.position, active = excluded.active
			RETURNING id`, p.Code, p.Name, int64(p.Price), p.Currency, p.TermMonths, p.Position, p.Active).Scan(&id); err != nil {
			return mapErr(err)
		}
		_, err := tx.ExecContext(ctx, newPlanBenefits, id)
		return mapErr(err)
	})
	return id, err
}

const planColumns = `id, code, name, price_paise, currency, term_months, position, active`

func scanPlan(row interface{ Scan(...any) error }) (*billing.Plan, error) {
	var p billing.Plan
	var price int64
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &price, &p.Currency, &p.TermMonths, &p.Position, &p.Active); err != nil {
		return nil, mapErr(err)
	}
	p.Price = money.Paise(price)
	return &p, nil
}

// Plans lists the active plans in display order.
func (s *Store) Plans(ctx context.Context) ([]*billing.Plan, error) {
	rows, err := s.readRows(ctx, `SELECT `+planColumns+` FROM plans WHERE active ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*billing.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlanByCode finds a plan by its code.
func (s *Store) PlanByCode(ctx context.Context, code string) (*billing.Plan, error) {
	return scanPlan(s.readRow(ctx, `SELECT `+planColumns+` FROM plans WHERE code = $1`, code))
}

// PlanByID finds a plan by id.
func (s *Store) PlanByID(ctx context.Context, id int64) (*billing.Plan, error) {
	return scanPlan(s.readRow(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
}

// AllPlans lists every plan, retired ones too, in display order, with how
// many subscriptions that have not ended are on each and whether anything
// refers to it.
func (s *Store) AllPlans(ctx context.Context) ([]*billing.PlanUse, error) {
	rows, err := s.readRows(ctx, `SELECT `+planColumns+`,
		(SELECT COUNT(*) FROM subscriptions s WHERE s.plan_id = plans.id AND s.status <> $1),
		CASE WHEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.plan_id = plans.id)
			OR EXISTS (SELECT 1 FROM payments p WHERE p.plan_id = plans.id)
			OR EXISTS (SELECT 1 FROM subscription_terms t WHERE t.plan_id = plans.id) THEN 1 ELSE 0 END
		FROM plans ORDER BY position, id`, string(billing.Ended))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*billing.PlanUse
	for rows.Next() {
		var u billing.PlanUse
		var price int64
		var bought int
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &price, &u.Currency, &u.TermMonths, &u.Position, &u.Active,
			&u.Subscribers, &bought); err != nil {
			return nil, mapErr(err)
		}
		u.Price, u.Bought = money.Paise(price), bought == 1
		out = append(out, &u)
	}
	return out, rows.Err()
}

// CreatePlan adds a plan after the others, with the benefits a new plan
// includes (see newPlanBenefits); ErrConflict if its code is taken.
func (s *Store) CreatePlan(ctx context.Context, p *billing.Plan) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO plans (code, name, price_paise, currency, term_months, position, active)
			VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), 0) + 1 FROM plans), $6) RETURNING id`,
			p.Code, p.Name, int64(p.Price), p.Currency, p.TermMonths, p.Active).Scan(&id); err != nil {
			return mapErr(err)
		}
		_, err := tx.ExecContext(ctx, newPlanBenefits, id)
		return mapErr(err)
	})
	return id, err
}

// UpdatePlan changes the name, price, term and whether it is on offer of
// the plan with p's id and code. Its term changes only if nothing refers to it (else
// billing.ErrTermFixed), checked with the plan's row held, which a
// checkout beginning holds too (see lockPlan): of the two, one waits for
// the other and sees what it did.
func (s *Store) UpdatePlan(ctx context.Context, p *billing.Plan) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var term int
		if err := tx.QueryRowContext(ctx, `SELECT term_months FROM plans WHERE id = $1 AND code = $2`+s.forUpdate(), p.ID, p.Code).Scan(&term); err != nil {
			return mapErr(err)
		}
		if term != p.TermMonths {
			var bought bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE plan_id = $1)
				OR EXISTS (SELECT 1 FROM payments WHERE plan_id = $1)
				OR EXISTS (SELECT 1 FROM subscription_terms WHERE plan_id = $1)`, p.ID).Scan(&bought); err != nil {
				return mapErr(err)
			}
			if bought {
				return billing.ErrTermFixed
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE plans SET name = $2, price_paise = $3, term_months = $4, active = $5 WHERE id = $1`,
			p.ID, p.Name, int64(p.Price), p.TermMonths, p.Active)
		return mapErr(err)
	})
}

// DeletePlan deletes the plan with the id and code. The foreign keys of
// subscriptions, their terms and payments refuse it for a plan they refer
// to: ErrInUse.
func (s *Store) DeletePlan(ctx context.Context, id int64, code string) error {
	return affectedOne(s.w.ExecContext(ctx, `DELETE FROM plans WHERE id = $1 AND code = $2`, id, code))
}

// lockPlan checks, inside a checkout's transaction, that the plan is on
// offer at the price and term the checkout read, holding its row (shared
// with other checkouts) so that an admin's change waits for the checkout,
// or the checkout for the change, and each sees the other.
func (s *Store) lockPlan(ctx context.Context, tx *sql.Tx, plan *billing.Plan) error {
	lock := ""
	if !s.SingleWriter() {
		lock = " FOR SHARE"
	}
	var price int64
	var term int
	var active bool
	err := tx.QueryRowContext(ctx, `SELECT price_paise, term_months, active FROM plans WHERE id = $1`+lock, plan.ID).Scan(&price, &term, &active)
	switch {
	case err == sql.ErrNoRows || (err == nil && !active):
		return billing.ErrPlanRetired
	case err != nil:
		return mapErr(err)
	case money.Paise(price) != plan.Price || term != plan.TermMonths:
		return billing.ErrPlanChanged
	}
	return nil
}
