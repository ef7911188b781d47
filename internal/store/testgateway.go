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
	rows, err := s.w.QueryContext(ctx, `SELECT idempotency_key, reference, amount_paise, succeeded, refund_reference <> '', created_at
		FROM testgateway_charges WHERE created_at >= $1 ORDER BY created_at, idempotency_key`, since.UTC())
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []billing.TestChargeRecord
	for rows.Next() {
		var c billing.TestChargeRecord
		var amount int64
		if err := rows.Scan(&c.Key, &c.Reference, &amount, &c.Succeeded, &c.Refunded, &c.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		c.Amount, c.CreatedAt = money.Paise(amount), c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
