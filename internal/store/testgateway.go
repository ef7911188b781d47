package store

import (
	"context"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// TestChargesSince lists the test gateway's charges recorded since the
// given time, oldest first.
func (s *Store) TestChargesSince(ctx context.Context, since time.Time) ([]billing.TestChargeRecord, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT c.idempotency_key, c.reference, c.amount_paise, c.succeeded,
			CASE WHEN c.refund_reference <> '' THEN c.amount_paise
				ELSE (SELECT COALESCE(SUM(r.amount_paise), 0) FROM testgateway_refunds r WHERE r.charge_key = c.idempotency_key) END,
			c.created_at
		FROM testgateway_charges c WHERE c.created_at >= $1 ORDER BY c.created_at, c.idempotency_key`, since.UTC())
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []billing.TestChargeRecord
	for rows.Next() {
		var c billing.TestChargeRecord
		var amount, refunded int64
		if err := rows.Scan(&c.Key, &c.Reference, &amount, &c.Succeeded, &refunded, &c.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		c.Amount, c.Refunded, c.CreatedAt = money.Paise(amount), money.Paise(refunded), c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
