package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// TestRefundPart records the built-in test gateway's refund of amount of
// the successful charge under chargeKey, once per refundKey, as a provider
// does: the charge's row is held first, so two refunds of it take turns
// and together give back no more than it. The same refundKey again
// returns the first refund's reference; ErrNotFound if there is no such
// charge or refundKey refunded another; billing.ErrTestRefundExceeds if
// the charge has less left.
func (s *Store) TestRefundPart(ctx context.Context, chargeKey, refundKey string, amount money.Paise, ref string, now time.Time) (string, error) {
	var out string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var charged int64
		var whole string
		if err := tx.QueryRowContext(ctx, `SELECT amount_paise, refund_reference FROM testgateway_charges
			WHERE idempotency_key = $1 AND succeeded`+s.forUpdate(), chargeKey).Scan(&charged, &whole); err != nil {
			return mapErr(err)
		}
		var of string
		err := tx.QueryRowContext(ctx, `SELECT charge_key, reference FROM testgateway_refunds WHERE refund_key = $1`, refundKey).Scan(&of, &out)
		switch {
		case err == nil && of != chargeKey:
			return ErrNotFound
		case err == nil:
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return mapErr(err)
		}
		var refunded int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_paise), 0) FROM testgateway_refunds WHERE charge_key = $1`,
			chargeKey).Scan(&refunded); err != nil {
			return mapErr(err)
		}
		if whole != "" || refunded+int64(amount) > charged {
			return billing.ErrTestRefundExceeds
		}
		out = ref
		_, err = tx.ExecContext(ctx, `INSERT INTO testgateway_refunds (refund_key, charge_key, amount_paise, reference, created_at)
			VALUES ($1, $2, $3, $4, $5)`, refundKey, chargeKey, int64(amount), ref, now.UTC())
		return mapErr(err)
	})
	if err != nil {
		return "", err
	}
	return out, nil
}

// TestRefunded is what the test gateway gave back of the charge under
// chargeKey in all: its refunds in part, or the whole charge once refunded
// whole.
func (s *Store) TestRefunded(ctx context.Context, chargeKey string) (money.Paise, error) {
	var n int64
	err := s.readRow(ctx, `SELECT COALESCE((SELECT SUM(amount_paise) FROM testgateway_refunds WHERE charge_key = $1), 0)
		+ COALESCE((SELECT amount_paise FROM testgateway_charges WHERE idempotency_key = $1 AND refund_reference <> ''), 0)`,
		chargeKey).Scan(&n)
	return money.Paise(n), mapErr(err)
}

// CountTestRefundsOf counts the test gateway's refunds in part of the
// charge under chargeKey: how often the provider was made to give money
// back.
func (s *Store) CountTestRefundsOf(ctx context.Context, chargeKey string) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM testgateway_refunds WHERE charge_key = $1`, chargeKey).Scan(&n)
	return n, mapErr(err)
}
