package store

import (
	"context"

	"broadsheet/internal/billing"
	"broadsheet/internal/complimentary"
)

// InComplimentaryTx runs fn in one transaction, handed to it as the
// complimentary.Tx it needs (see InBillingTx).
func (s *Store) InComplimentaryTx(ctx context.Context, fn func(tx complimentary.Tx) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// CreateComplimentary adds a complimentary subscription, active and not
// renewing, with no payment method, and its one term, of amount 0 and paid
// by no payment; it sets their ids. The index of one live subscription
// per account refuses it (ErrConflict) for an account that has one.
func (t *Tx) CreateComplimentary(ctx context.Context, sub *billing.Subscription, term *billing.Term) error {
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO subscriptions
		(account_id, plan_id, status, auto_renew, complimentary, anchor_at, paid_until, terms_paid, created_at, updated_at)
		VALUES ($1, $2, $3, FALSE, TRUE, $4, $5, 1, $6, $6) RETURNING id`,
		sub.AccountID, sub.PlanID, string(billing.Active), sub.AnchorAt.UTC(), sub.PaidUntil.UTC(), sub.CreatedAt.UTC()).Scan(&sub.ID); err != nil {
		return mapErr(err)
	}
	term.SubscriptionID = sub.ID
	return mapErr(t.tx.QueryRowContext(ctx, `INSERT INTO subscription_terms (subscription_id, seq, plan_id, starts_at, ends_at, amount_paise, payment_id)
		VALUES ($1, 1, $2, $3, $4, 0, NULL) RETURNING id`, sub.ID, term.PlanID, term.StartsAt.UTC(), term.EndsAt.UTC()).Scan(&term.ID))
}
