package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/refunds"
)

// Refunds an admin gives (migration 0023): recorded pending under the
// form's key before the provider is asked, and succeeded in the
// transaction that issues their credit note.

// InRefundTx runs fn in one transaction, handed to it as the refunds.Tx
// it needs (see InBillingTx).
func (s *Store) InRefundTx(ctx context.Context, fn func(tx refunds.Tx) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

const refundColumns = `id, refund_key, payment_id, account_id, amount_paise, status, end_access, reason,
	admin_id, admin_email, gateway, gateway_ref, created_at, updated_at`

func scanRefund(row interface{ Scan(...any) error }) (*refunds.Refund, error) {
	var r refunds.Refund
	var amount int64
	var status, end string
	if err := row.Scan(&r.ID, &r.Key, &r.PaymentID, &r.AccountID, &amount, &status, &end, &r.Reason,
		&r.AdminID, &r.AdminEmail, &r.Gateway, &r.GatewayRef, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	r.Amount, r.Status, r.EndAccess = money.Paise(amount), refunds.Status(status), refunds.EndAccess(end)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// LockRefundedPayment holds the payment's row until the transaction ends
// and returns it with the sum of its refunds, pending or succeeded. The sum
// is read by a statement of its own after the row is held, so on
// PostgreSQL it sees a refund of the payment that committed while this one
// waited.
func (t *Tx) LockRefundedPayment(ctx context.Context, paymentID int64) (*billing.Payment, money.Paise, error) {
	p, err := scanPayment(t.tx.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`+t.s.forUpdate(), paymentID))
	if err != nil {
		return nil, 0, err
	}
	var taken int64
	if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_paise), 0) FROM refunds WHERE payment_id = $1`,
		paymentID).Scan(&taken); err != nil {
		return nil, 0, mapErr(err)
	}
	return p, money.Paise(taken), nil
}

// RefundedOf sums the refunds of a payment, pending or succeeded.
func (s *Store) RefundedOf(ctx context.Context, paymentID int64) (money.Paise, error) {
	var taken int64
	err := s.readRow(ctx, `SELECT COALESCE(SUM(amount_paise), 0) FROM refunds WHERE payment_id = $1`, paymentID).Scan(&taken)
	return money.Paise(taken), mapErr(err)
}

// RefundByKey finds a refund by its form's key inside the transaction.
func (t *Tx) RefundByKey(ctx context.Context, key string) (*refunds.Refund, error) {
	return scanRefund(t.tx.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE refund_key = $1`, key))
}

// CreateRefund records a pending refund and sets its ID; ErrConflict if
// its key is taken.
func (t *Tx) CreateRefund(ctx context.Context, r *refunds.Refund) error {
	return mapErr(t.tx.QueryRowContext(ctx, `INSERT INTO refunds (refund_key, payment_id, account_id, amount_paise, status,
			end_access, reason, admin_id, admin_email, gateway, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		r.Key, r.PaymentID, r.AccountID, int64(r.Amount), string(refunds.Pending), string(r.EndAccess), r.Reason,
		r.AdminID, r.AdminEmail, r.Gateway, r.CreatedAt.UTC()).Scan(&r.ID))
}

// SucceedRefund records a pending refund as succeeded, and reports
// whether it was pending.
func (t *Tx) SucceedRefund(ctx context.Context, id int64, ref string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE refunds SET status = $2, gateway_ref = $3, updated_at = $4 WHERE id = $1 AND status = $5`,
		id, string(refunds.Succeeded), ref, now.UTC(), string(refunds.Pending))
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RefundedTerm is the term the payment paid for, and its subscription as
// it is now; ErrNotFound if it paid for none.
func (t *Tx) RefundedTerm(ctx context.Context, paymentID int64) (*billing.Subscription, *billing.Term, error) {
	term, err := scanTerm(t.tx.QueryRowContext(ctx, `SELECT `+termColumns+` FROM subscription_terms WHERE payment_id = $1`, paymentID))
	if err != nil {
		return nil, nil, err
	}
	sub, err := scanSubscription(t.tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, term.SubscriptionID))
	if err != nil {
		return nil, nil, err
	}
	return sub, term, nil
}

// EndRefundedSubscription ends the subscription at once, with no renewal
// to come, if it has not ended and its latest term is still term seq. A
// renewal charged meanwhile then extends nothing and is refunded (see
// billing.Service.settleRenewal).
func (t *Tx) EndRefundedSubscription(ctx context.Context, subscriptionID int64, seq int, now time.Time) (bool, error) {
	return rowChanged(t.tx.ExecContext(ctx, `UPDATE subscriptions SET status = $3, auto_renew = FALSE, next_attempt_at = NULL, updated_at = $4
		WHERE id = $1 AND terms_paid = $2 AND status <> $3`, subscriptionID, seq, string(billing.Ended), now.UTC()))
}

// StopRefundedRenewal turns the subscription's renewal off, as a cancellation
// does, if it has not ended and its latest term is still term seq: it
// ends when that term does.
func (t *Tx) StopRefundedRenewal(ctx context.Context, subscriptionID int64, seq int, now time.Time) (bool, error) {
	return rowChanged(t.tx.ExecContext(ctx, `UPDATE subscriptions SET auto_renew = FALSE, next_attempt_at = NULL, updated_at = $4
		WHERE id = $1 AND terms_paid = $2 AND status <> $3`, subscriptionID, seq, string(billing.Ended), now.UTC()))
}

// RefundByKey finds a refund by its form's key.
func (s *Store) RefundByKey(ctx context.Context, key string) (*refunds.Refund, error) {
	return scanRefund(s.w.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE refund_key = $1`, key))
}

// RefundByID finds a refund.
func (s *Store) RefundByID(ctx context.Context, id int64) (*refunds.Refund, error) {
	return scanRefund(s.w.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE id = $1`, id))
}

// RefundsOf lists the account's refunds, oldest first.
func (s *Store) RefundsOf(ctx context.Context, accountID int64) ([]*refunds.Refund, error) {
	return s.listRefunds(ctx, `SELECT `+refundColumns+` FROM refunds WHERE account_id = $1 ORDER BY id`, accountID)
}

// PendingRefunds lists refunds still pending that were recorded before
// the given time, oldest first.
func (s *Store) PendingRefunds(ctx context.Context, before time.Time, limit int) ([]*refunds.Refund, error) {
	return s.listRefunds(ctx, `SELECT `+refundColumns+` FROM refunds WHERE status = 'pending' AND created_at <= $1 ORDER BY id LIMIT $2`,
		before.UTC(), limit)
}

func (s *Store) listRefunds(ctx context.Context, query string, args ...any) ([]*refunds.Refund, error) {
	rows, err := s.w.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*refunds.Refund
	for rows.Next() {
		r, err := scanRefund(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rowChanged reports whether a statement changed a row.
func rowChanged(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n > 0, mapErr(err)
}
