package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// NoticesDue lists subscriptions that renew automatically with a charge
// due by the given time and no notice sent for their next term.
func (s *Store) NoticesDue(ctx context.Context, by time.Time, limit int) ([]*billing.Subscription, error) {
	return s.subscriptionsWhere(ctx, `status <> $1 AND auto_renew AND next_attempt_at <= $2
		AND NOT EXISTS (SELECT 1 FROM renewal_notices n WHERE n.subscription_id = subscriptions.id
			AND n.seq = subscriptions.terms_paid + 1 AND n.sent_at IS NOT NULL)
		ORDER BY id LIMIT $3`, string(billing.Ended), by.UTC(), limit)
}

const noticeColumns = `subscription_id, seq, COALESCE(plan_id, 0), amount_paise, charge_at, sent_at, created_at`

func scanNotice(row interface{ Scan(...any) error }) (*billing.RenewalNotice, error) {
	var n billing.RenewalNotice
	var amount int64
	var sent sql.NullTime
	if err := row.Scan(&n.SubscriptionID, &n.Seq, &n.PlanID, &amount, &n.ChargeAt, &sent, &n.CreatedAt); err != nil {
		return nil, mapErr(err)
	}
	n.Amount, n.SentAt = money.Paise(amount), nullTime(sent)
	n.ChargeAt, n.CreatedAt = n.ChargeAt.UTC(), n.CreatedAt.UTC()
	return &n, nil
}

// PrepareRenewalNotice records a term's notice before it is sent, or
// returns the one recorded. A notice not sent yet moves to the later of
// the two charge days, so that what a resend says is still true; its
// amount stays as first recorded, as does everything of a sent notice.
func (s *Store) PrepareRenewalNotice(ctx context.Context, n *billing.RenewalNotice) (*billing.RenewalNotice, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO renewal_notices (subscription_id, seq, plan_id, amount_paise, charge_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subscription_id, seq) DO NOTHING`,
		n.SubscriptionID, n.Seq, nullID(n.PlanID), int64(n.Amount), n.ChargeAt.UTC(), n.CreatedAt.UTC()); err != nil {
		return nil, mapErr(err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE renewal_notices SET charge_at = $3
		WHERE subscription_id = $1 AND seq = $2 AND sent_at IS NULL AND charge_at < $3`,
		n.SubscriptionID, n.Seq, n.ChargeAt.UTC()); err != nil {
		return nil, mapErr(err)
	}
	return s.RenewalNotice(ctx, n.SubscriptionID, n.Seq)
}

// RenewalNotice returns the notice of a subscription's term, or ErrNotFound.
func (s *Store) RenewalNotice(ctx context.Context, subscriptionID int64, seq int) (*billing.RenewalNotice, error) {
	return scanNotice(s.w.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM renewal_notices
		WHERE subscription_id = $1 AND seq = $2`, subscriptionID, seq))
}

// MarkNoticeSent records when a term's notice went out, unless that is
// recorded already; it reports whether this call recorded it.
func (t *Tx) MarkNoticeSent(ctx context.Context, subscriptionID int64, seq int, sent time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE renewal_notices SET sent_at = $3
		WHERE subscription_id = $1 AND seq = $2 AND sent_at IS NULL`, subscriptionID, seq, sent.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PostponeRenewal moves the next charge of a subscription still renewing
// term seq automatically to at, if it was due sooner, and has it give
// access until graceUntil at least.
func (t *Tx) PostponeRenewal(ctx context.Context, subscriptionID int64, seq int, at, graceUntil, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET next_attempt_at = $3,
		grace_until = CASE WHEN grace_until IS NULL OR grace_until < $4 THEN $4 ELSE grace_until END, updated_at = $5
		WHERE id = $1 AND terms_paid = $2 - 1 AND status <> $6 AND auto_renew AND next_attempt_at < $3`,
		subscriptionID, seq, at.UTC(), graceUntil.UTC(), now.UTC(), string(billing.Ended))
	return mapErr(err)
}

// CreateCancelToken stores a cancel link's token (its hash).
func (s *Store) CreateCancelToken(ctx context.Context, t *billing.CancelToken) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO renewal_cancel_tokens (token_hash, subscription_id, seq, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`, t.TokenHash, t.SubscriptionID, t.Seq, t.ExpiresAt.UTC(), t.CreatedAt.UTC())
	return mapErr(err)
}

const cancelTokenColumns = `token_hash, subscription_id, seq, expires_at, used_at, created_at`

func scanCancelToken(row interface{ Scan(...any) error }) (*billing.CancelToken, error) {
	var t billing.CancelToken
	var used sql.NullTime
	if err := row.Scan(&t.TokenHash, &t.SubscriptionID, &t.Seq, &t.ExpiresAt, &used, &t.CreatedAt); err != nil {
		return nil, mapErr(err)
	}
	t.UsedAt, t.ExpiresAt, t.CreatedAt = nullTime(used), t.ExpiresAt.UTC(), t.CreatedAt.UTC()
	return &t, nil
}

// CancelTokenByHash finds a cancel link's token, used or not, or ErrNotFound.
func (s *Store) CancelTokenByHash(ctx context.Context, tokenHash string) (*billing.CancelToken, error) {
	return scanCancelToken(s.w.QueryRowContext(ctx, `SELECT `+cancelTokenColumns+` FROM renewal_cancel_tokens
		WHERE token_hash = $1`, tokenHash))
}

// UseCancelToken uses a cancel link's token up, once: ErrNotFound if it
// is unknown, used or expired, so that of two requests racing with one
// link only one gets past here.
func (t *Tx) UseCancelToken(ctx context.Context, tokenHash string, now time.Time) (*billing.CancelToken, error) {
	return scanCancelToken(t.tx.QueryRowContext(ctx, `UPDATE renewal_cancel_tokens SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING `+cancelTokenColumns, tokenHash, now.UTC()))
}

// StopAutoRenew turns auto-renewal off for a subscription that has not
// ended, and uses up its other cancel links; it reports whether it was on.
func (t *Tx) StopAutoRenew(ctx context.Context, subscriptionID int64, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE subscriptions SET auto_renew = FALSE, next_attempt_at = NULL, updated_at = $2
		WHERE id = $1 AND status <> $3 AND auto_renew`, subscriptionID, now.UTC(), string(billing.Ended))
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	if _, err := t.tx.ExecContext(ctx, `UPDATE renewal_cancel_tokens SET used_at = $2
		WHERE subscription_id = $1 AND used_at IS NULL`, subscriptionID, now.UTC()); err != nil {
		return false, mapErr(err)
	}
	return n == 1, nil
}

// TermByPayment returns the term a payment paid for, or ErrNotFound.
func (s *Store) TermByPayment(ctx context.Context, paymentID int64) (*billing.Term, error) {
	return scanTerm(s.w.QueryRowContext(ctx, `SELECT `+termColumns+` FROM subscription_terms WHERE payment_id = $1`, paymentID))
}
