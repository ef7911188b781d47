package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// CreatePaymentMethod saves a tokenised card.
func (s *Store) CreatePaymentMethod(ctx context.Context, m *billing.PaymentMethod) (int64, error) {
	return createPaymentMethod(ctx, s.w, m)
}

// CreatePaymentMethod is Store.CreatePaymentMethod inside the transaction.
func (t *Tx) CreatePaymentMethod(ctx context.Context, m *billing.PaymentMethod) (int64, error) {
	return createPaymentMethod(ctx, t.tx, m)
}

func createPaymentMethod(ctx context.Context, db queryer, m *billing.PaymentMethod) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, `INSERT INTO payment_methods (account_id, gateway, token, brand, last4, exp_month, exp_year, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		m.AccountID, m.Gateway, m.Token, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, m.CreatedAt.UTC()).Scan(&id)
	return id, mapErr(err)
}

// PaymentMethodByID finds a saved card.
func (s *Store) PaymentMethodByID(ctx context.Context, id int64) (*billing.PaymentMethod, error) {
	var m billing.PaymentMethod
	err := s.readRow(ctx, `SELECT id, account_id, gateway, token, brand, last4, exp_month, exp_year, created_at
		FROM payment_methods WHERE id = $1`, id).
		Scan(&m.ID, &m.AccountID, &m.Gateway, &m.Token, &m.Brand, &m.Last4, &m.ExpMonth, &m.ExpYear, &m.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &m, nil
}

const paymentColumns = `id, account_id, idempotency_key, purpose, COALESCE(plan_id, 0), COALESCE(payment_method_id, 0),
	amount_paise, currency, status, gateway, gateway_ref, failure, refund_ref, checkout_ref, created_at, updated_at`

func scanPayment(row interface{ Scan(...any) error }) (*billing.Payment, error) {
	var p billing.Payment
	var amount int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.IdempotencyKey, &p.Purpose, &p.PlanID, &p.PaymentMethodID,
		&amount, &p.Currency, &p.Status, &p.Gateway, &p.GatewayRef, &p.Failure, &p.RefundRef, &p.CheckoutRef, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	p.Amount = money.Paise(amount)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// PaymentByKey finds a payment by its idempotency key.
func (s *Store) PaymentByKey(ctx context.Context, key string) (*billing.Payment, error) {
	return scanPayment(s.w.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE idempotency_key = $1`, key))
}

// PaymentByID finds a payment.
func (s *Store) PaymentByID(ctx context.Context, id int64) (*billing.Payment, error) {
	return scanPayment(s.w.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id))
}

// BeginCheckout records the checkout payment about to be charged, with the
// plan and saved card it is for. The same idempotency key again returns
// the existing payment with created false. An account that has a
// subscription that has not ended, or another checkout pending, gets
// ErrConflict: only the request that holds the pending row may charge.
// A plan retired, repriced or given another term since the checkout read
// it gets billing.ErrPlanRetired or billing.ErrPlanChanged (see lockPlan).
func (s *Store) BeginCheckout(ctx context.Context, p *billing.Payment, plan *billing.Plan) (*billing.Payment, bool, error) {
	return s.beginPayment(ctx, p, billing.PurposeCheckout, func(tx *sql.Tx) error {
		if err := s.lockPlan(ctx, tx, plan); err != nil {
			return err
		}
		var live int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE account_id = $1 AND status <> $2`,
			p.AccountID, string(billing.Ended)).Scan(&live); err != nil {
			return mapErr(err)
		}
		if live > 0 {
			return ErrConflict
		}
		return nil // the partial unique index refuses a second pending checkout
	})
}

// beginPayment records a pending payment of purpose under the account's
// lock, once allowed says the account's state permits it; a payment with the
// same idempotency key is returned instead, with created false.
func (s *Store) beginPayment(ctx context.Context, p *billing.Payment, purpose string, allowed func(tx *sql.Tx) error) (*billing.Payment, bool, error) {
	var out *billing.Payment
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, p.AccountID); err != nil {
			return err
		}
		existing, err := scanPayment(tx.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE idempotency_key = $1`, p.IdempotencyKey))
		if err == nil {
			out = existing
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := allowed(tx); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO payments
			(account_id, idempotency_key, purpose, plan_id, payment_method_id, amount_paise, currency, status, gateway, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			p.AccountID, p.IdempotencyKey, purpose, nullID(p.PlanID), nullID(p.PaymentMethodID), int64(p.Amount), p.Currency,
			billing.PaymentPending, p.Gateway, p.CreatedAt.UTC()).Scan(&id); err != nil {
			return mapErr(err)
		}
		row := *p
		row.ID, row.Purpose, row.Status, row.UpdatedAt = id, purpose, billing.PaymentPending, p.CreatedAt
		out, created = &row, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// lockAccount holds the account's row until the transaction ends, so that
// beginning and completing checkouts of one account take turns: none can
// begin between another's check and its commit. SQLite's write transaction
// already holds the whole database.
func (s *Store) lockAccount(ctx context.Context, tx *sql.Tx, accountID int64) error {
	if s.SingleWriter() {
		return nil
	}
	var id int64
	return mapErr(tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&id))
}

// PendingCheckout returns the account's checkout payment in flight, or
// ErrNotFound.
func (s *Store) PendingCheckout(ctx context.Context, accountID int64) (*billing.Payment, error) {
	return scanPayment(s.readRow(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE account_id = $1 AND status = $2 AND purpose IN ($3, $4) ORDER BY id LIMIT 1`,
		accountID, billing.PaymentPending, billing.PurposeCheckout, billing.PurposeLegacyCheckout))
}

// PendingPayments lists payments of the given purposes still pending
// that last changed (were begun, or had their charge sent again) before
// the given time, oldest first.
func (s *Store) PendingPayments(ctx context.Context, before time.Time, limit int, purposes ...string) ([]*billing.Payment, error) {
	if len(purposes) == 0 {
		return nil, nil
	}
	return s.paymentsWhere(ctx, `status = $1 AND updated_at <= $2 AND purpose`,
		[]any{billing.PaymentPending, before.UTC()}, purposes, limit)
}

// paymentsWhere lists, in id order and at most limit, the payments that
// match where (with its args) and whose column named last in it is one of
// in.
func (s *Store) paymentsWhere(ctx context.Context, where string, args []any, in []string, limit int) ([]*billing.Payment, error) {
	var q strings.Builder
	q.WriteString(`SELECT ` + paymentColumns + ` FROM payments WHERE ` + where + ` IN (`)
	for i, v := range in {
		if i > 0 {
			q.WriteByte(',')
		}
		args = append(args, v)
		s.dialect.writeArg(&q, len(args))
	}
	q.WriteString(`) ORDER BY id LIMIT `)
	args = append(args, limit)
	s.dialect.writeArg(&q, len(args))
	rows, err := s.w.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*billing.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SettlePayment records the outcome of a payment that is still pending
// and reports whether it was; one settled already is left as it is.
func (s *Store) SettlePayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) (bool, error) {
	return settlePayment(ctx, s.w, id, status, ref, failure, now)
}

// SetCheckoutRef records the provider's id of a pending checkout's page.
func (s *Store) SetCheckoutRef(ctx context.Context, id int64, ref string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE payments SET checkout_ref = $2 WHERE id = $1 AND status = $3`, id, ref, billing.PaymentPending)
	return mapErr(err)
}

func settlePayment(ctx context.Context, db execer, id int64, status, ref, failure string, now time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE payments SET status = $2, gateway_ref = $3, failure = $4, updated_at = $5
		WHERE id = $1 AND status = $6`, id, status, ref, failure, now.UTC(), billing.PaymentPending)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RefundPayment records that the charge of a payment that paid for
// nothing (still pending, released as never charged, or recorded as
// succeeded by a renewal that then could not extend its subscription) was
// refunded. A payment that paid for a term is never marked refunded.
func (s *Store) RefundPayment(ctx context.Context, id int64, ref, refundRef string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE payments SET status = $2, gateway_ref = $3, refund_ref = $4, updated_at = $5
		WHERE id = $1 AND status IN ($6, $7, $8)
			AND NOT EXISTS (SELECT 1 FROM subscription_terms t WHERE t.payment_id = payments.id)`,
		id, billing.PaymentRefunded, ref, refundRef, now.UTC(), billing.PaymentPending, billing.PaymentFailed, billing.PaymentSucceeded)
	return mapErr(err)
}

// InBillingTx runs fn in one transaction, handed to it as the billing.Tx it
// needs. Go does not let InTx, whose fn takes *Tx, stand for a method whose
// fn takes billing.Tx, so each service that composes transactions gets a
// one-line method like this one.
func (s *Store) InBillingTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// LockAccount holds the account's row until the transaction ends (see
// lockAccount).
func (t *Tx) LockAccount(ctx context.Context, accountID int64) error {
	return t.s.lockAccount(ctx, t.tx, accountID)
}

// SettlePayment is Store.SettlePayment inside the transaction.
func (t *Tx) SettlePayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) (bool, error) {
	return settlePayment(ctx, t.tx, id, status, ref, failure, now)
}

// CreateSubscription adds an active subscription with its first term paid;
// ErrConflict if the account already has one that has not ended.
func (t *Tx) CreateSubscription(ctx context.Context, sub *billing.Subscription) (int64, error) {
	return insertSubscription(ctx, t.tx, sub)
}

// CreateTerm records a paid term of a subscription.
func (t *Tx) CreateTerm(ctx context.Context, term *billing.Term) error {
	return insertTerm(ctx, t.tx, term)
}

const subscriptionColumns = `id, account_id, plan_id, status, auto_renew, COALESCE(payment_method_id, 0), anchor_at, anchor_seq, paid_until,
	terms_paid, renewal_failures, next_attempt_at, grace_until, created_at, updated_at, complimentary, COALESCE(next_plan_id, 0)`

func scanSubscription(row interface{ Scan(...any) error }) (*billing.Subscription, error) {
	var sub billing.Subscription
	var status string
	var next, grace sql.NullTime
	if err := row.Scan(&sub.ID, &sub.AccountID, &sub.PlanID, &status, &sub.AutoRenew, &sub.PaymentMethodID, &sub.AnchorAt, &sub.AnchorSeq,
		&sub.PaidUntil, &sub.TermsPaid, &sub.RenewalFailures, &next, &grace, &sub.CreatedAt, &sub.UpdatedAt, &sub.Complimentary, &sub.NextPlanID); err != nil {
		return nil, mapErr(err)
	}
	sub.Status = billing.Status(status)
	sub.AnchorAt, sub.PaidUntil = sub.AnchorAt.UTC(), sub.PaidUntil.UTC()
	sub.NextAttemptAt, sub.GraceUntil = nullTime(next), nullTime(grace)
	return &sub, nil
}

// insertSubscription adds an active subscription with its first term paid.
// The database allows one subscription that has not ended per account.
func insertSubscription(ctx context.Context, tx *sql.Tx, sub *billing.Subscription) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO subscriptions
		(account_id, plan_id, status, auto_renew, payment_method_id, anchor_at, paid_until, terms_paid, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id`,
		sub.AccountID, sub.PlanID, string(billing.Active), sub.AutoRenew, sub.PaymentMethodID, sub.AnchorAt.UTC(),
		sub.PaidUntil.UTC(), utcPtr(sub.NextAttemptAt), sub.CreatedAt.UTC()).Scan(&id)
	return id, mapErr(err)
}

func insertTerm(ctx context.Context, tx *sql.Tx, t *billing.Term) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO subscription_terms (subscription_id, seq, plan_id, starts_at, ends_at, amount_paise, credit_paise, payment_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.SubscriptionID, t.Seq, t.PlanID, t.StartsAt.UTC(), t.EndsAt.UTC(), int64(t.Amount), int64(t.Credit), t.PaymentID)
	return mapErr(err)
}

const termColumns = `id, subscription_id, seq, plan_id, starts_at, ends_at, amount_paise, credit_paise, COALESCE(payment_id, 0)`

func scanTerm(row interface{ Scan(...any) error }) (*billing.Term, error) {
	var t billing.Term
	var amount, credit int64
	if err := row.Scan(&t.ID, &t.SubscriptionID, &t.Seq, &t.PlanID, &t.StartsAt, &t.EndsAt, &amount, &credit, &t.PaymentID); err != nil {
		return nil, mapErr(err)
	}
	t.Amount, t.Credit = money.Paise(amount), money.Paise(credit)
	t.StartsAt, t.EndsAt = t.StartsAt.UTC(), t.EndsAt.UTC()
	return &t, nil
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// SubscriptionByID finds a subscription.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (*billing.Subscription, error) {
	return scanSubscription(s.w.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, id))
}

// CurrentSubscription returns the account's newest subscription that has
// not ended, or ErrNotFound.
func (s *Store) CurrentSubscription(ctx context.Context, accountID int64) (*billing.Subscription, error) {
	return scanSubscription(s.readRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE account_id = $1 AND status <> $2 ORDER BY paid_until DESC, id DESC LIMIT 1`, accountID, string(billing.Ended)))
}

// SetAutoRenew turns auto-renewal off (cancel) or back on (resume) for a
// subscription that has not ended, only while it is still as sub was read
// (same status, terms and failures); it reports whether it applied.
func (s *Store) SetAutoRenew(ctx context.Context, sub *billing.Subscription, on bool, nextAttempt *time.Time, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET auto_renew = $2, next_attempt_at = $3, updated_at = $4
		WHERE id = $1 AND status = $5 AND status <> $6 AND terms_paid = $7 AND renewal_failures = $8`,
		sub.ID, on, utcPtr(nextAttempt), now.UTC(), string(sub.Status), string(billing.Ended), sub.TermsPaid, sub.RenewalFailures)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DueSubscriptions lists subscriptions whose next renewal attempt is due
// and may be charged (the term's pre-debit notice went out at least
// billing.NoticeMinLead ago, for a charge due by now), those that ran out
// without renewing, and those past due with no retry left whose grace
// period ran out.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*billing.Subscription, error) {
	return s.subscriptionsWhere(ctx, `status <> $1 AND (
			(auto_renew AND next_attempt_at <= $2 AND EXISTS (SELECT 1 FROM renewal_notices n
				WHERE n.subscription_id = subscriptions.id AND n.seq = subscriptions.terms_paid + 1
				AND n.sent_at <= $3 AND n.charge_at <= $2))
			OR (NOT auto_renew AND paid_until <= $2)
			OR (auto_renew AND status = $4 AND next_attempt_at IS NULL AND COALESCE(grace_until, paid_until) <= $2))
		ORDER BY id LIMIT $5`,
		string(billing.Ended), now.UTC(), now.Add(-billing.NoticeMinLead).UTC(), string(billing.PastDue), limit)
}

// subscriptionsWhere lists the subscriptions a condition picks.
func (s *Store) subscriptionsWhere(ctx context.Context, where string, args ...any) ([]*billing.Subscription, error) {
	rows, err := s.readRows(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*billing.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Terms lists a subscription's paid terms in order.
func (s *Store) Terms(ctx context.Context, subscriptionID int64) ([]billing.Term, error) {
	rows, err := s.readRows(ctx, `SELECT `+termColumns+` FROM subscription_terms WHERE subscription_id = $1 ORDER BY seq`, subscriptionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []billing.Term
	for rows.Next() {
		t, err := scanTerm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// TestCharge records a charge of the built-in test gateway under its
// idempotency key, or returns the one already recorded with that key.
func (s *Store) TestCharge(ctx context.Context, key, token string, amount money.Paise, succeeded bool, ref, failure string, now time.Time) (bool, string, string, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO testgateway_charges (idempotency_key, token, amount_paise, succeeded, reference, failure, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING`,
		key, token, int64(amount), succeeded, ref, failure, now.UTC()); err != nil {
		return false, "", "", mapErr(err)
	}
	err := s.w.QueryRowContext(ctx, `SELECT succeeded, reference, failure FROM testgateway_charges WHERE idempotency_key = $1`, key).
		Scan(&succeeded, &ref, &failure)
	return succeeded, ref, failure, mapErr(err)
}

// TestChargeByKey returns the test gateway's charge under key, or ErrNotFound.
func (s *Store) TestChargeByKey(ctx context.Context, key string) (succeeded bool, ref, failure, token string, err error) {
	err = s.w.QueryRowContext(ctx, `SELECT succeeded, reference, failure, token FROM testgateway_charges WHERE idempotency_key = $1`, key).
		Scan(&succeeded, &ref, &failure, &token)
	return succeeded, ref, failure, token, mapErr(err)
}

// TestRefund records the refund of the test gateway's successful charge
// under key, once, and returns the refund's reference; ErrNotFound if
// there is no such successful charge.
func (s *Store) TestRefund(ctx context.Context, key, ref string, now time.Time) (string, error) {
	if _, err := s.w.ExecContext(ctx, `UPDATE testgateway_charges SET refund_reference = $2, refunded_at = $3
		WHERE idempotency_key = $1 AND succeeded AND refund_reference = ''`, key, ref, now.UTC()); err != nil {
		return "", mapErr(err)
	}
	var got string
	err := s.w.QueryRowContext(ctx, `SELECT refund_reference FROM testgateway_charges WHERE idempotency_key = $1 AND succeeded`, key).Scan(&got)
	return got, mapErr(err)
}

// RecordWebhookEvent records a provider's webhook event once: it reports
// false for an event already recorded, which the primary key refuses.
func (t *Tx) RecordWebhookEvent(ctx context.Context, provider string, ev billing.Event, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO webhook_events (provider, event_id, type, payment_key, received_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, provider, ev.ID, ev.Type, ev.Key, now.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
