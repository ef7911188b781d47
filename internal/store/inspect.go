package store

// Counts and audits of what is stored, for tests and operators: nothing a
// request serves reads them.

import (
	"context"
	"strconv"
	"time"

	"broadsheet/internal/billing"
)

// ChargeAudit is one successful charge of the built-in test gateway for an
// account, beside what it bought: how many terms its payment paid for and
// whether it was refunded. Every such charge should have bought exactly one
// term or been refunded.
type ChargeAudit struct {
	Key           string
	PaymentStatus string
	Terms         int
	Refunded      bool
}

// AuditTestCharges lists the account's successful test gateway charges, for
// checkout and renewal alike, with what each paid for.
func (s *Store) AuditTestCharges(ctx context.Context, accountID int64) ([]ChargeAudit, error) {
	rows, err := s.readRows(ctx, `SELECT g.idempotency_key, COALESCE(p.status, ''), g.refund_reference <> '',
			(SELECT COUNT(*) FROM subscription_terms t WHERE t.payment_id = p.id)
		FROM testgateway_charges g LEFT JOIN payments p ON p.idempotency_key = g.idempotency_key
		WHERE g.succeeded AND (g.idempotency_key LIKE $1 OR p.account_id = $2) ORDER BY g.idempotency_key`,
		"checkout:"+strconv.FormatInt(accountID, 10)+":%", accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChargeAudit
	for rows.Next() {
		var c ChargeAudit
		if err := rows.Scan(&c.Key, &c.PaymentStatus, &c.Refunded, &c.Terms); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountPendingPayments counts the account's payments whose outcome is not
// recorded yet.
func (s *Store) CountPendingPayments(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND status = 'pending'`, accountID).Scan(&n)
	return n, mapErr(err)
}

// CountAccounts counts every account (tests check that a refused request
// created none).
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, mapErr(err)
}

// CountSucceededPayments counts the account's successful charges.
func (s *Store) CountSucceededPayments(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND status = $2`,
		accountID, billing.PaymentSucceeded).Scan(&n)
	return n, err
}

// SetSubscriptionPaymentMethod makes a saved card the one renewals charge.
func (s *Store) SetSubscriptionPaymentMethod(ctx context.Context, subscriptionID, methodID int64, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET payment_method_id = $2, updated_at = $3 WHERE id = $1`,
		subscriptionID, methodID, now.UTC())
	return mapErr(err)
}

// CountFailedPayments counts the account's declined charges.
func (s *Store) CountFailedPayments(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND status = $2`,
		accountID, billing.PaymentFailed).Scan(&n)
	return n, err
}

// CountTestCharges counts the test gateway's successful charges for the
// account's checkouts: what the reader was actually charged to subscribe.
func (s *Store) CountTestCharges(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM testgateway_charges WHERE succeeded AND idempotency_key LIKE $1`,
		"checkout:"+strconv.FormatInt(accountID, 10)+":%").Scan(&n)
	return n, err
}

// CountTestRefunds counts the test gateway's refunds of the account's checkouts.
func (s *Store) CountTestRefunds(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM testgateway_charges WHERE refund_reference <> '' AND idempotency_key LIKE $1`,
		"checkout:"+strconv.FormatInt(accountID, 10)+":%").Scan(&n)
	return n, err
}

// CountLiveSubscriptions counts the account's subscriptions that have not ended.
func (s *Store) CountLiveSubscriptions(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM subscriptions WHERE account_id = $1 AND status <> $2`,
		accountID, string(billing.Ended)).Scan(&n)
	return n, err
}
