package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"broadsheet/internal/accounts"
)

// Sign-in links are keyed by the address they were sent to, not by an
// account: asking for one creates nothing, and the account is made (or
// found) only when a link or its code is used.

const loginLinkColumns = `id, email, next_path, expires_at, used_at, attempts, code_salt, code_hash`

func scanLoginLink(row interface{ Scan(...any) error }) (*accounts.LoginLink, error) {
	var l accounts.LoginLink
	var used sql.NullTime
	if err := row.Scan(&l.ID, &l.Email, &l.NextPath, &l.ExpiresAt, &used, &l.Attempts, &l.CodeSalt, &l.CodeHash); err != nil {
		return nil, mapErr(err)
	}
	l.ExpiresAt, l.UsedAt = l.ExpiresAt.UTC(), nullTime(used)
	return &l, nil
}

// lockLinkKey makes the transactions naming the same key (an address or a
// client) take turns until they end, so what one counts includes what the
// other wrote. SQLite needs nothing: a write transaction already holds the
// database's only write lock.
func (s *Store) lockLinkKey(ctx context.Context, tx *sql.Tx, key string) error {
	if s.dialect.name != postgres.name {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "login_links:"+key)
	return err
}

// CreateLoginLink stores a sign-in link unless a limit forbids it: the
// client's first, then each of the address's from this client, then each
// of the address's overall. Counting and writing happen
// in one transaction under the address's and the client's locks, so
// parallel requests cannot all slip under a limit. Nothing is written when
// a limit is reached.
func (s *Store) CreateLoginLink(ctx context.Context, l *accounts.NewLoginLink, limits accounts.LinkLimits) (accounts.LinkOutcome, error) {
	outcome := accounts.LinkCreated
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Always the address before the client: one order, no deadlock.
		if err := s.lockLinkKey(ctx, tx, "email:"+l.Email); err != nil {
			return err
		}
		if err := s.lockLinkKey(ctx, tx, "client:"+l.Client); err != nil {
			return err
		}
		over, err := overLinkLimit(ctx, tx, `client = $1`, limits.Client, l.Client)
		if err != nil || over {
			outcome = accounts.LinkClientLimited
			return err
		}
		for _, lim := range limits.AddressOnClient {
			over, err := overLinkLimit(ctx, tx, `email = $1 AND client = $2`, lim, l.Email, l.Client)
			if err != nil || over {
				outcome = accounts.LinkAddressLimited
				return err
			}
		}
		for _, lim := range limits.Address {
			over, err := overLinkLimit(ctx, tx, `email = $1`, lim, l.Email)
			if err != nil || over {
				outcome = accounts.LinkAddressLimited
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_links
			(email, client, token_hash, code_salt, code_hash, next_path, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			l.Email, l.Client, l.TokenHash, l.CodeSalt, l.CodeHash, l.NextPath, l.ExpiresAt.UTC(), l.CreatedAt.UTC())
		return mapErr(err)
	})
	if err != nil {
		return accounts.LinkCreated, err
	}
	return outcome, nil
}

// overLinkLimit tells whether the links matching where (on keys, $1 and
// on) since the limit's start have reached its maximum.
func overLinkLimit(ctx context.Context, tx *sql.Tx, where string, lim accounts.LinkLimit, keys ...any) (bool, error) {
	var n int
	since := "$" + strconv.Itoa(len(keys)+1)
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_links WHERE `+where+` AND created_at > `+since,
		append(keys, lim.Since.UTC())...).Scan(&n)
	return n >= lim.Max, mapErr(err)
}

// LoginLinkByToken finds a link by its token hash.
func (s *Store) LoginLinkByToken(ctx context.Context, tokenHash string) (*accounts.LoginLink, error) {
	return scanLoginLink(s.readRow(ctx, `SELECT `+loginLinkColumns+` FROM login_links WHERE token_hash = $1`, tokenHash))
}

// LatestLoginLink finds the address's newest unused, unexpired link, for
// sign-in by typed code.
func (s *Store) LatestLoginLink(ctx context.Context, email string, now time.Time) (*accounts.LoginLink, error) {
	return scanLoginLink(s.readRow(ctx, `SELECT `+loginLinkColumns+` FROM login_links
		WHERE email = $1 AND used_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, email, now.UTC()))
}

// CountCodeGuess records one typed code against a live link, before it is
// checked, and reports whether it may be checked: GuessCounted, or,
// recording nothing, GuessAddressLimited once the links of its address
// sent since limits.Since have had limits.PerAddress guesses, and
// GuessLinkSpent once the link has had limits.PerLink (or is used or
// expired). The conditional update counts each guess once however many
// arrive at once, and the address's lock makes the sum over its links
// exact.
func (s *Store) CountCodeGuess(ctx context.Context, id int64, email string, limits accounts.GuessLimits, now time.Time) (accounts.GuessOutcome, error) {
	outcome := accounts.GuessAddressLimited
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockLinkKey(ctx, tx, "email:"+email); err != nil {
			return err
		}
		var guessed int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(attempts), 0) FROM login_links
			WHERE email = $1 AND created_at > $2`, email, limits.Since.UTC()).Scan(&guessed); err != nil {
			return mapErr(err)
		}
		if guessed >= limits.PerAddress {
			return nil
		}
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE login_links SET attempts = attempts + 1
			WHERE id = $1 AND email = $2 AND attempts < $3 AND used_at IS NULL AND expires_at > $4
			RETURNING attempts`, id, email, limits.PerLink, now.UTC()).Scan(&attempts)
		switch {
		case err == sql.ErrNoRows:
			outcome = accounts.GuessLinkSpent
			return nil
		case err != nil:
			return mapErr(err)
		}
		outcome = accounts.GuessCounted
		return nil
	})
	return outcome, err
}

// UseLoginLink marks a link used, once, and returns the account of its
// address, creating a password-less one if there is none: ErrNotFound if
// the link was already used or has expired, so two clicks at once sign in
// only one of them. Both happen in one transaction, and the account is
// inserted or found on its unique email, so two first sign-ins at once
// make one account.
func (s *Store) UseLoginLink(ctx context.Context, id int64, now time.Time) (*accounts.Account, error) {
	var a *accounts.Account
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var email string
		if err := tx.QueryRowContext(ctx, `UPDATE login_links SET used_at = $2
			WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING email`, id, now.UTC()).Scan(&email); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (email, created_at) VALUES ($1, $2)
			ON CONFLICT (email) DO NOTHING`, email, now.UTC()); err != nil {
			return mapErr(err)
		}
		var err error
		a, err = scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = $1`, email))
		return err
	})
	return a, err
}
