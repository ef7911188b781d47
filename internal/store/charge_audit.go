package store

import (
	"context"
	"strconv"
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
