package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/accounts"
)

// CreateAccountToken stores an emailed one-time token (its hash).
func (s *Store) CreateAccountToken(ctx context.Context, purpose accounts.TokenPurpose, tokenHash string, accountID int64, newEmail string, expires, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO account_tokens (purpose, token_hash, account_id, new_email, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, string(purpose), tokenHash, accountID, newEmail, expires.UTC(), now.UTC())
	return mapErr(err)
}

// AccountTokenByHash finds a token of a purpose by its hash, used or not.
func (s *Store) AccountTokenByHash(ctx context.Context, purpose accounts.TokenPurpose, tokenHash string) (*accounts.AccountToken, error) {
	var t accounts.AccountToken
	var p string
	var used sql.NullTime
	err := s.readRow(ctx, `SELECT id, purpose, account_id, new_email, expires_at, used_at
		FROM account_tokens WHERE token_hash = $1 AND purpose = $2`, tokenHash, string(purpose)).
		Scan(&t.ID, &p, &t.AccountID, &t.NewEmail, &t.ExpiresAt, &used)
	if err != nil {
		return nil, mapErr(err)
	}
	t.Purpose, t.ExpiresAt, t.UsedAt = accounts.TokenPurpose(p), t.ExpiresAt.UTC(), nullTime(used)
	return &t, nil
}

// CountTokenRequest records a request under key and returns how many were
// made under it since each of the times, this one included. Recording and
// counting happen in one transaction under the key's lock, so requests
// racing each other are counted one after another: exactly the limit's
// worth get through.
func (s *Store) CountTokenRequest(ctx context.Context, key string, since []time.Time, now time.Time) ([]int, error) {
	counts := make([]int, len(since))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockLinkKey(ctx, tx, "token-requests:"+key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_token_requests (key, requested_at) VALUES ($1, $2)`, key, now.UTC()); err != nil {
			return mapErr(err)
		}
		for i, t := range since {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_token_requests WHERE key = $1 AND requested_at > $2`,
				key, t.UTC()).Scan(&counts[i]); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return counts, err
}

// useAccountToken uses a token up inside tx, once: ErrNotFound if it is
// unknown, of another purpose, used or expired, so that of two requests
// racing with one token only one gets past here.
func useAccountToken(ctx context.Context, tx *sql.Tx, purpose accounts.TokenPurpose, tokenHash string, now time.Time) (accountID int64, newEmail string, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE account_tokens SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING account_id, new_email`, tokenHash, string(purpose), now.UTC()).Scan(&accountID, &newEmail)
	return accountID, newEmail, mapErr(err)
}

// UseAccountToken uses a token of a purpose up, once, and returns its
// account and address: ErrNotFound if it is unknown, used or expired.
func (s *Store) UseAccountToken(ctx context.Context, purpose accounts.TokenPurpose, tokenHash string, now time.Time) (accountID int64, newEmail string, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		accountID, newEmail, err = useAccountToken(ctx, tx, purpose, tokenHash, now)
		return err
	})
	return accountID, newEmail, err
}

// retireTokensTx uses up every outstanding token of the account: links
// asked for before its owner or its address changed must not act after.
func retireTokensTx(ctx context.Context, tx *sql.Tx, accountID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE account_tokens SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL`,
		accountID, now.UTC())
	return mapErr(err)
}

// endSessionsTx ends every open session of the account but keep (0: all).
func endSessionsTx(ctx context.Context, tx *sql.Tx, accountID, keep int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $3, ended_reason = $4
		WHERE account_id = $1 AND id <> $2 AND ended_at IS NULL`, accountID, keep, now.UTC(), accounts.EndedCredentialsChanged)
	return mapErr(err)
}

// ConfirmEmail uses a verify token of the account and marks its address
// confirmed; ErrNotFound if the token is not one for this account.
func (s *Store) ConfirmEmail(ctx context.Context, tokenHash string, accountID int64, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		owner, _, err := useAccountToken(ctx, tx, accounts.PurposeVerify, tokenHash, now)
		if err != nil {
			return err
		}
		if owner != accountID {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1`,
			accountID, now.UTC())
		return mapErr(err)
	})
}

// ResetPassword uses a reset token and, in the same transaction, sets the
// account's password, marks its address confirmed (the token came by
// mail), retires its other tokens (a pending move to another address may
// be an intruder's) and ends all its sessions.
// ErrNotFound if the token is not good.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time) (int64, error) {
	var accountID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if accountID, _, err = useAccountToken(ctx, tx, accounts.PurposeReset, tokenHash, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2, email_verified_at = COALESCE(email_verified_at, $3)
			WHERE id = $1`, accountID, passwordHash, now.UTC()); err != nil {
			return mapErr(err)
		}
		if err := retireTokensTx(ctx, tx, accountID, now); err != nil {
			return err
		}
		return endSessionsTx(ctx, tx, accountID, 0, now)
	})
	return accountID, err
}

// ChangePassword sets the account's password, voids its outstanding
// emailed links and ends every session of it but keep, together.
func (s *Store) ChangePassword(ctx context.Context, accountID, keep int64, passwordHash string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, accountID, passwordHash)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		// A pending move to another address may be an intruder's, the
		// reason the password is being changed.
		if err := retireTokensTx(ctx, tx, accountID, now); err != nil {
			return err
		}
		return endSessionsTx(ctx, tx, accountID, keep, now)
	})
}

// ChangeEmail uses an email-change token and moves its account to the
// token's address, confirmed, ending every session of the account but keep
// (0: all). The database refuses an address another account took in the
// meantime (ErrConflict), and then nothing changes, the token included.
func (s *Store) ChangeEmail(ctx context.Context, tokenHash string, keep int64, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		accountID, newEmail, err := useAccountToken(ctx, tx, accounts.PurposeEmailChange, tokenHash, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET email = $2, email_verified_at = $3 WHERE id = $1`,
			accountID, newEmail, now.UTC()); err != nil {
			return mapErr(err)
		}
		// Links sent to the old address, or to other new ones, are void.
		if err := retireTokensTx(ctx, tx, accountID, now); err != nil {
			return err
		}
		return endSessionsTx(ctx, tx, accountID, keep, now)
	})
}

// ClaimUnconfirmedAccount is the first proof by emailed link that the
// address's owner holds an unconfirmed account: it marks the address
// confirmed, clears the password (someone who had not proved the address
// set it) and ends every session, all at once. It reports whether the
// account was unconfirmed; for a confirmed one it changes nothing.
func (s *Store) ClaimUnconfirmedAccount(ctx context.Context, accountID int64, now time.Time) (bool, error) {
	claimed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET email_verified_at = $2, password_hash = ''
			WHERE id = $1 AND email_verified_at IS NULL`, accountID, now.UTC())
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		claimed = true
		// Links the one who registered asked for (a move to another
		// address) die with their password.
		if err := retireTokensTx(ctx, tx, accountID, now); err != nil {
			return err
		}
		return endSessionsTx(ctx, tx, accountID, 0, now)
	})
	return claimed, err
}
