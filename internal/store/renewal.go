package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"broadsheet/internal/billing"
)

// Renewals and checkouts of one account take turns on the account's row
// (lockAccount): a renewal charge begins only while its subscription is
// still in the state the renewal read, a checkout ends the old subscription
// only while no renewal of it is being charged, and an extension never
// applies to a subscription that has ended.

// BeginRenewal records the renewal payment about to be charged for sub, or
// returns the one with the same key (created false). It returns ErrConflict,
// and records nothing, if the subscription has ended or changed since sub
// was read (a checkout replaced it, the reader cancelled, another attempt
// was recorded): that renewal must not charge.
func (s *Store) BeginRenewal(ctx context.Context, p *billing.Payment, sub *billing.Subscription) (*billing.Payment, bool, error) {
	return s.beginPayment(ctx, p, billing.PurposeRenewal, func(tx *sql.Tx) error {
		var unchanged int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions
			WHERE id = $1 AND status = $2 AND status <> $3 AND auto_renew AND terms_paid = $4 AND renewal_failures = $5`,
			sub.ID, string(sub.Status), string(billing.Ended), sub.TermsPaid, sub.RenewalFailures).Scan(&unchanged); err != nil {
			return mapErr(err)
		}
		if unchanged == 0 {
			return ErrConflict
		}
		return noPendingPayment(ctx, tx, p.AccountID, billing.PurposeUpgrade)
	})
}

// noPendingPayment returns ErrConflict if the account has a payment of
// the purpose in flight: an upgrade and a renewal of one subscription pay
// for the same next term, so only one may be charged at a time.
func noPendingPayment(ctx context.Context, tx *sql.Tx, accountID int64, purpose string) error {
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND status = $2 AND purpose = $3`,
		accountID, billing.PaymentPending, purpose).Scan(&pending); err != nil {
		return mapErr(err)
	}
	if pending > 0 {
		return ErrConflict
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ClaimCharge records that the charge of a pending payment is being sent
// again at now, if it was last sent no later than sentBefore and its
// subscription is still as sub was read and renewing (not cancelled
// meanwhile); it reports whether it did. Of two runs that find the
// payment alike, only one sends.
func (s *Store) ClaimCharge(ctx context.Context, id int64, sub *billing.Subscription, sentBefore, now time.Time) (bool, error) {
	return rowChanged(s.w.ExecContext(ctx, `UPDATE payments SET updated_at = $2
		WHERE id = $1 AND status = $3 AND updated_at <= $4
		AND EXISTS (SELECT 1 FROM subscriptions WHERE id = $5 AND status = $6 AND status <> $7 AND auto_renew
			AND terms_paid = $8 AND renewal_failures = $9)`,
		id, now.UTC(), billing.PaymentPending, sentBefore.UTC(),
		sub.ID, string(sub.Status), string(billing.Ended), sub.TermsPaid, sub.RenewalFailures))
}

// PaymentHasTerm reports whether a term paid by the payment is recorded.
func (t *Tx) PaymentHasTerm(ctx context.Context, paymentID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_terms WHERE payment_id = $1`, paymentID).Scan(&n)
	return n > 0, mapErr(err)
}

// ExtendSubscription moves the subscription on to the paid term, active
// and with no declines nor grace, if it has not ended and still has
// term.Seq-1 terms paid; it reports whether it did. A term on another plan
// switches the subscription to it, counting terms afresh from the term's
// start. A cancelled subscription keeps the term it paid for but gets no
// next charge.
func (t *Tx) ExtendSubscription(ctx context.Context, term *billing.Term, nextAttempt, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET status = $3, paid_until = $4, terms_paid = $2,
		renewal_failures = 0, next_attempt_at = $5, grace_until = NULL, updated_at = $6,
		anchor_at = CASE WHEN plan_id = $8 THEN anchor_at ELSE $9 END,
		anchor_seq = CASE WHEN plan_id = $8 THEN anchor_seq ELSE $2 - 1 END,
		next_plan_id = CASE WHEN next_plan_id = $8 THEN NULL ELSE next_plan_id END,
		plan_id = $8
		WHERE id = $1 AND terms_paid = $2 - 1 AND status <> $7`,
		term.SubscriptionID, term.Seq, string(billing.Active), term.EndsAt.UTC(), nextAttempt.UTC(), now.UTC(), string(billing.Ended),
		term.PlanID, term.StartsAt.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE subscriptions SET next_attempt_at = NULL WHERE id = $1 AND NOT auto_renew`, term.SubscriptionID)
	return err == nil, mapErr(err)
}

// MarkPaymentSucceeded records a renewal's payment as succeeded, unless it
// was refunded meanwhile; it reports whether it applied.
func (t *Tx) MarkPaymentSucceeded(ctx context.Context, id int64, ref string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE payments SET status = $2, gateway_ref = $3, failure = '', updated_at = $4
		WHERE id = $1 AND status <> $5`, id, billing.PaymentSucceeded, ref, now.UTC(), billing.PaymentRefunded)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// EndSubscription marks sub ended, if it is still in the state it was read
// in (the caller decided from that state that it may end) and no renewal of
// it is being charged. ErrConflict means a renewal payment of it is still
// pending; ErrNotFound that it changed or ended meanwhile.
func (s *Store) EndSubscription(ctx context.Context, sub *billing.Subscription, now time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.LockAccount(ctx, sub.AccountID); err != nil {
			return err
		}
		return tx.EndSubscription(ctx, sub, now)
	})
}

// EndSubscription is Store.EndSubscription inside the transaction, which
// holds the account (LockAccount).
func (t *Tx) EndSubscription(ctx context.Context, sub *billing.Subscription, now time.Time) error {
	var charging int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments
		WHERE account_id = $1 AND status = $2 AND purpose = $3 AND idempotency_key LIKE $4`,
		sub.AccountID, billing.PaymentPending, billing.PurposeRenewal, renewalKeyPrefix(sub.ID)+"%").Scan(&charging); err != nil {
		return mapErr(err)
	}
	if charging > 0 {
		return ErrConflict
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET status = $2, next_attempt_at = NULL, updated_at = $3
		WHERE id = $1 AND status = $4 AND status <> $2 AND auto_renew = $5 AND terms_paid = $6 AND renewal_failures = $7`,
		sub.ID, string(billing.Ended), now.UTC(), string(sub.Status), sub.AutoRenew, sub.TermsPaid, sub.RenewalFailures)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RecordRenewalFailure marks a declined renewal: past due, with the next
// attempt at next (none when nil, or when auto-renewal was turned off
// meanwhile) and access until graceUntil (unchanged when nil). It applies
// only to the attempt that was declined (the subscription still has
// termsPaid terms and failures-1 declines) and never to a subscription
// that has ended, so a late answer cannot bring back one a new checkout
// replaced; it reports whether it applied.
func (t *Tx) RecordRenewalFailure(ctx context.Context, id int64, termsPaid, failures int, next, graceUntil *time.Time, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET status = $2, renewal_failures = $3,
		next_attempt_at = $4, grace_until = COALESCE($5, grace_until), updated_at = $6
		WHERE id = $1 AND renewal_failures = $3 - 1 AND terms_paid = $7 AND status <> $8`,
		id, string(billing.PastDue), failures, utcPtr(next), utcPtr(graceUntil), now.UTC(), termsPaid, string(billing.Ended))
	if err != nil {
		return false, mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE subscriptions SET next_attempt_at = NULL WHERE id = $1 AND NOT auto_renew`, id)
	return err == nil, mapErr(err)
}

func renewalKeyPrefix(subscriptionID int64) string {
	return "renewal:" + strconv.FormatInt(subscriptionID, 10) + ":"
}
