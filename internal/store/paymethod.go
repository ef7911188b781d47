package store

// Readers replacing the payment method their renewals charge (billing's
// paymethod.go), and the test gateway's cards saved without a charge.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"broadsheet/internal/billing"
)

const setupColumns = `id, setup_key, account_id, subscription_id, gateway, checkout_ref, status, failure,
	COALESCE(payment_method_id, 0), created_at`

func scanSetup(row interface{ Scan(...any) error }) (*billing.MethodSetup, error) {
	var m billing.MethodSetup
	if err := row.Scan(&m.ID, &m.Key, &m.AccountID, &m.SubscriptionID, &m.Gateway, &m.CheckoutRef, &m.Status, &m.Failure,
		&m.PaymentMethodID, &m.CreatedAt); err != nil {
		return nil, mapErr(err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// BeginMethodSetup records a pending setup, or returns the one already
// recorded under its key, whoever's it is.
func (s *Store) BeginMethodSetup(ctx context.Context, m *billing.MethodSetup) (*billing.MethodSetup, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO payment_method_setups
		(setup_key, account_id, subscription_id, gateway, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (setup_key) DO NOTHING`,
		m.Key, m.AccountID, m.SubscriptionID, m.Gateway, billing.SetupPending, m.CreatedAt.UTC()); err != nil {
		return nil, mapErr(err)
	}
	return s.MethodSetupByKey(ctx, m.Key)
}

// MethodSetupByKey finds a setup by its key.
func (s *Store) MethodSetupByKey(ctx context.Context, key string) (*billing.MethodSetup, error) {
	return scanSetup(s.w.QueryRowContext(ctx, `SELECT `+setupColumns+` FROM payment_method_setups WHERE setup_key = $1`, key))
}

// MethodSetupByID finds a setup.
func (s *Store) MethodSetupByID(ctx context.Context, id int64) (*billing.MethodSetup, error) {
	return scanSetup(s.w.QueryRowContext(ctx, `SELECT `+setupColumns+` FROM payment_method_setups WHERE id = $1`, id))
}

// SetMethodSetupRef records the provider's id of a pending setup's page.
func (s *Store) SetMethodSetupRef(ctx context.Context, id int64, ref string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE payment_method_setups SET checkout_ref = $2 WHERE id = $1 AND status = $3`,
		id, ref, billing.SetupPending)
	return mapErr(err)
}

// FailMethodSetup records why a pending setup saved nothing.
func (s *Store) FailMethodSetup(ctx context.Context, id int64, failure string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE payment_method_setups SET status = $2, failure = $3, updated_at = $4
		WHERE id = $1 AND status = $5`, id, billing.SetupFailed, failure, now.UTC(), billing.SetupPending)
	return mapErr(err)
}

// SaveSetupMethod records the method a setup saved and puts it on the
// setup's subscription, once: the unique index on payment_methods'
// setup_key lets the first insert through and no other, and only the
// transaction whose insert went through changes the subscription (see
// billing.MethodSetupStore).
func (s *Store) SaveSetupMethod(ctx context.Context, setup *billing.MethodSetup, m *billing.PaymentMethod, now time.Time) (*billing.Subscription, bool, error) {
	var sub *billing.Subscription
	saved := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAccount(ctx, tx, setup.AccountID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO payment_methods
			(account_id, gateway, token, brand, last4, exp_month, exp_year, created_at, setup_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (setup_key) DO NOTHING RETURNING id`,
			setup.AccountID, m.Gateway, m.Token, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, now.UTC(), setup.Key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // recorded already, by a reload or a webhook
		}
		if err != nil {
			return mapErr(err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET payment_method_id = $3, updated_at = $4,
				next_attempt_at = CASE WHEN status = $5 AND auto_renew AND (next_attempt_at IS NULL OR next_attempt_at > $4)
					THEN $4 ELSE next_attempt_at END
			WHERE id = $1 AND account_id = $2 AND status <> $6`,
			setup.SubscriptionID, setup.AccountID, id, now.UTC(), string(billing.PastDue), string(billing.Ended))
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound // ended meanwhile: the method is not kept either
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payment_method_setups SET status = $2, payment_method_id = $3, updated_at = $4
			WHERE id = $1`, setup.ID, billing.SetupSaved, id, now.UTC()); err != nil {
			return mapErr(err)
		}
		if sub, err = scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`,
			setup.SubscriptionID)); err != nil {
			return err
		}
		m.ID, saved = id, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return sub, saved, nil
}

// TestSetup records the test gateway's card saved under a setup key, or
// returns the one already recorded there.
func (s *Store) TestSetup(ctx context.Context, key, token string, now time.Time) (string, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO testgateway_setups (setup_key, token, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (setup_key) DO NOTHING`, key, token, now.UTC()); err != nil {
		return "", mapErr(err)
	}
	return s.TestSetupByKey(ctx, key)
}

// TestSetupByKey returns the test gateway's card saved under a setup key,
// or ErrNotFound.
func (s *Store) TestSetupByKey(ctx context.Context, key string) (string, error) {
	var token string
	err := s.w.QueryRowContext(ctx, `SELECT token FROM testgateway_setups WHERE setup_key = $1`, key).Scan(&token)
	return token, mapErr(err)
}

// CountPaymentMethods counts the payment methods saved for the account
// (tests check that a setup records its method once).
func (s *Store) CountPaymentMethods(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM payment_methods WHERE account_id = $1`, accountID).Scan(&n)
	return n, mapErr(err)
}
