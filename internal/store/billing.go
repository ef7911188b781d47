package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// UpsertPlan creates or updates a plan by its code.
func (s *Store) UpsertPlan(ctx context.Context, p billing.Plan) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO plans (code, name, price_paise, currency, term_months, position, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, price_paise = excluded.price_paise,
			currency = excluded.currency, term_months = excluded.term_months, position = excluded.position, active = excluded.active
		RETURNING id`, p.Code, p.Name, int64(p.Price), p.Currency, p.TermMonths, p.Position, p.Active).Scan(&id)
	return id, mapErr(err)
}

const planColumns = `id, code, name, price_paise, currency, term_months, position, active`

func scanPlan(row interface{ Scan(...any) error }) (*billing.Plan, error) {
	var p billing.Plan
	var price int64
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &price, &p.Currency, &p.TermMonths, &p.Position, &p.Active); err != nil {
		return nil, mapErr(err)
	}
	p.Price = money.Paise(price)
	return &p, nil
}

// Plans lists the active plans in display order.
func (s *Store) Plans(ctx context.Context) ([]*billing.Plan, error) {
	rows, err := s.readRows(ctx, `SELECT `+planColumns+` FROM plans WHERE active ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*billing.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlanByCode finds a plan by its code.
func (s *Store) PlanByCode(ctx context.Context, code string) (*billing.Plan, error) {
	return scanPlan(s.readRow(ctx, `SELECT `+planColumns+` FROM plans WHERE code = $1`, code))
}

// PlanByID finds a plan by id.
func (s *Store) PlanByID(ctx context.Context, id int64) (*billing.Plan, error) {
	return scanPlan(s.readRow(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
}

// CreatePaymentMethod saves a tokenised card.
func (s *Store) CreatePaymentMethod(ctx context.Context, m *billing.PaymentMethod) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO payment_methods (account_id, gateway, token, brand, last4, exp_month, exp_year, created_at)
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

// BeginPayment records a charge about to be made under its idempotency key.
// If a payment with that key exists, it is returned with created false and
// the caller must not start another charge.
func (s *Store) BeginPayment(ctx context.Context, p *billing.Payment) (*billing.Payment, bool, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO payments
		(account_id, idempotency_key, amount_paise, currency, status, gateway, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		p.AccountID, p.IdempotencyKey, int64(p.Amount), p.Currency, billing.PaymentPending, p.Gateway, p.CreatedAt.UTC()).Scan(&id)
	if err == sql.ErrNoRows {
		existing, err := s.PaymentByKey(ctx, p.IdempotencyKey)
		return existing, false, err
	}
	if err != nil {
		return nil, false, mapErr(err)
	}
	out := *p
	out.ID, out.Status = id, billing.PaymentPending
	return &out, true, nil
}

// PaymentByKey finds a payment by its idempotency key.
func (s *Store) PaymentByKey(ctx context.Context, key string) (*billing.Payment, error) {
	var p billing.Payment
	var amount int64
	err := s.w.QueryRowContext(ctx, `SELECT id, account_id, idempotency_key, amount_paise, currency, status, gateway, gateway_ref, failure, created_at
		FROM payments WHERE idempotency_key = $1`, key).
		Scan(&p.ID, &p.AccountID, &p.IdempotencyKey, &amount, &p.Currency, &p.Status, &p.Gateway, &p.GatewayRef, &p.Failure, &p.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	p.Amount = money.Paise(amount)
	return &p, nil
}

// FinishPayment records a charge's outcome.
func (s *Store) FinishPayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE payments SET status = $2, gateway_ref = $3, failure = $4, updated_at = $5 WHERE id = $1`,
		id, status, ref, failure, now.UTC())
	return mapErr(err)
}

const subscriptionColumns = `id, account_id, plan_id, status, auto_renew, COALESCE(payment_method_id, 0), anchor_at, paid_until,
	terms_paid, renewal_failures, next_attempt_at, created_at, updated_at`

func scanSubscription(row interface{ Scan(...any) error }) (*billing.Subscription, error) {
	var sub billing.Subscription
	var status string
	var next sql.NullTime
	if err := row.Scan(&sub.ID, &sub.AccountID, &sub.PlanID, &status, &sub.AutoRenew, &sub.PaymentMethodID, &sub.AnchorAt,
		&sub.PaidUntil, &sub.TermsPaid, &sub.RenewalFailures, &next, &sub.CreatedAt, &sub.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	sub.Status = billing.Status(status)
	sub.AnchorAt, sub.PaidUntil = sub.AnchorAt.UTC(), sub.PaidUntil.UTC()
	sub.NextAttemptAt = nullTime(next)
	return &sub, nil
}

// StartSubscription creates a subscription with its first paid term, in one
// transaction with marking the payment that paid for it.
func (s *Store) StartSubscription(ctx context.Context, sub *billing.Subscription, term *billing.Term) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO subscriptions
			(account_id, plan_id, status, auto_renew, payment_method_id, anchor_at, paid_until, terms_paid, next_attempt_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id`,
			sub.AccountID, sub.PlanID, string(billing.Active), sub.AutoRenew, sub.PaymentMethodID, sub.AnchorAt.UTC(),
			sub.PaidUntil.UTC(), utcPtr(sub.NextAttemptAt), sub.CreatedAt.UTC()).Scan(&id); err != nil {
			return mapErr(err)
		}
		term.SubscriptionID, term.Seq = id, 1
		return insertTerm(ctx, tx, term)
	})
	return id, err
}

func insertTerm(ctx context.Context, tx *sql.Tx, t *billing.Term) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO subscription_terms (subscription_id, seq, plan_id, starts_at, ends_at, amount_paise, payment_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.SubscriptionID, t.Seq, t.PlanID, t.StartsAt.UTC(), t.EndsAt.UTC(), int64(t.Amount), t.PaymentID)
	return mapErr(err)
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
// subscription that has not ended.
func (s *Store) SetAutoRenew(ctx context.Context, id int64, on bool, nextAttempt *time.Time, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET auto_renew = $2, next_attempt_at = $3, updated_at = $4
		WHERE id = $1 AND status <> $5`, id, on, utcPtr(nextAttempt), now.UTC(), string(billing.Ended))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DueSubscriptions lists subscriptions whose next renewal attempt is due,
// and those that ran out without renewing.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*billing.Subscription, error) {
	rows, err := s.readRows(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE status <> $1 AND ((auto_renew AND next_attempt_at <= $2) OR (NOT auto_renew AND paid_until <= $2))
		ORDER BY id LIMIT $3`, string(billing.Ended), now.UTC(), limit)
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

// ExtendSubscription records a paid renewal term. It applies only if the
// subscription still has term.Seq-1 terms paid, so a renewal replayed after
// a crash or run by two instances extends the subscription once; it
// reports whether this call applied it.
func (s *Store) ExtendSubscription(ctx context.Context, term *billing.Term, nextAttempt time.Time, now time.Time) (bool, error) {
	applied := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET status = $3, paid_until = $4, terms_paid = $2,
			renewal_failures = 0, next_attempt_at = $5, updated_at = $6
			WHERE id = $1 AND terms_paid = $2 - 1`,
			term.SubscriptionID, term.Seq, string(billing.Active), term.EndsAt.UTC(), nextAttempt.UTC(), now.UTC())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		applied = true
		return insertTerm(ctx, tx, term)
	})
	return applied, err
}

// RecordRenewalFailure marks a declined renewal: past due with the next
// attempt at next, or ended when next is nil.
func (s *Store) RecordRenewalFailure(ctx context.Context, id int64, failures int, next *time.Time, now time.Time) error {
	status := billing.PastDue
	if next == nil {
		status = billing.Ended
	}
	_, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET status = $2, renewal_failures = $3, next_attempt_at = $4, updated_at = $5
		WHERE id = $1 AND renewal_failures = $3 - 1`, id, string(status), failures, utcPtr(next), now.UTC())
	return mapErr(err)
}

// EndSubscription marks a subscription ended.
func (s *Store) EndSubscription(ctx context.Context, id int64, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE subscriptions SET status = $2, next_attempt_at = NULL, updated_at = $3 WHERE id = $1`,
		id, string(billing.Ended), now.UTC())
	return mapErr(err)
}

// Terms lists a subscription's paid terms in order.
func (s *Store) Terms(ctx context.Context, subscriptionID int64) ([]billing.Term, error) {
	rows, err := s.readRows(ctx, `SELECT id, subscription_id, seq, plan_id, starts_at, ends_at, amount_paise, COALESCE(payment_id, 0)
		FROM subscription_terms WHERE subscription_id = $1 ORDER BY seq`, subscriptionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []billing.Term
	for rows.Next() {
		var t billing.Term
		var amount int64
		if err := rows.Scan(&t.ID, &t.SubscriptionID, &t.Seq, &t.PlanID, &t.StartsAt, &t.EndsAt, &amount, &t.PaymentID); err != nil {
			return nil, err
		}
		t.Amount = money.Paise(amount)
		t.StartsAt, t.EndsAt = t.StartsAt.UTC(), t.EndsAt.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountSucceededPayments counts the account's successful charges.
func (s *Store) CountSucceededPayments(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payments WHERE account_id = $1 AND status = $2`,
		accountID, billing.PaymentSucceeded).Scan(&n)
	return n, err
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
