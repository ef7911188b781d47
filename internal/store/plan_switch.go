package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/billing"
)

// SetNextPlan sets the plan sub moves to at a coming renewal (0: it stays
// on its plan), if the subscription is still as read; it reports whether
// it applied.
func (s *Store) SetNextPlan(ctx context.Context, sub *billing.Subscription, planID int64, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET next_plan_id = $2, updated_at = $3
		WHERE id = $1 AND status <> $4 AND NOT complimentary AND plan_id = $5 AND terms_paid = $6`,
		sub.ID, nullID(planID), now.UTC(), string(billing.Ended), sub.PlanID, sub.TermsPaid)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// BeginUpgrade records the pending payment of an immediate switch of sub
// to another plan, or returns the one with the same key (created false).
// ErrConflict, and nothing recorded, if the subscription is no longer
// active on the plan and term it was read on, or the account has a
// renewal or another upgrade in flight.
func (s *Store) BeginUpgrade(ctx context.Context, p *billing.Payment, sub *billing.Subscription) (*billing.Payment, bool, error) {
	return s.beginPayment(ctx, p, billing.PurposeUpgrade, func(tx *sql.Tx) error {
		var unchanged int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions
			WHERE id = $1 AND status = $2 AND plan_id = $3 AND terms_paid = $4 AND NOT complimentary`,
			sub.ID, string(billing.Active), sub.PlanID, sub.TermsPaid).Scan(&unchanged); err != nil {
			return mapErr(err)
		}
		if unchanged == 0 {
			return ErrConflict
		}
		if err := noPendingPayment(ctx, tx, p.AccountID, billing.PurposeRenewal); err != nil {
			return err
		}
		return noPendingPayment(ctx, tx, p.AccountID, billing.PurposeUpgrade)
	})
}

// ApplyUpgrade switches the subscription to term's plan from term's start,
// if it is still active with term.Seq-1 terms paid: the term before is cut
// short at that moment, and terms are counted afresh from it. It reports
// whether it applied.
func (t *Tx) ApplyUpgrade(ctx context.Context, term *billing.Term, nextAttempt, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET plan_id = $3, anchor_at = $4, anchor_seq = $2 - 1,
		paid_until = $5, terms_paid = $2, renewal_failures = 0, next_attempt_at = $6,
		grace_until = NULL, next_plan_id = NULL, updated_at = $7
		WHERE id = $1 AND terms_paid = $2 - 1 AND status = $8`,
		term.SubscriptionID, term.Seq, term.PlanID, term.StartsAt.UTC(), term.EndsAt.UTC(), nextAttempt.UTC(), now.UTC(), string(billing.Active))
	if err != nil {
		return false, mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET next_attempt_at = NULL WHERE id = $1 AND NOT auto_renew`,
		term.SubscriptionID); err != nil {
		return false, mapErr(err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE subscription_terms SET ends_at = $3
		WHERE subscription_id = $1 AND seq = $2 - 1 AND ends_at > $3`, term.SubscriptionID, term.Seq, term.StartsAt.UTC())
	return err == nil, mapErr(err)
}
