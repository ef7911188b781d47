package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/accounts"
)

const accountColumns = `id, email, password_hash, role, created_at, email_verified_at`

// joinedAccountColumns are accountColumns of the accounts table aliased a,
// for reads that join it.
const joinedAccountColumns = `a.id, a.email, a.password_hash, a.role, a.created_at, a.email_verified_at`

func scanAccount(row interface{ Scan(...any) error }) (*accounts.Account, error) {
	var a accounts.Account
	var verified sql.NullTime
	if err := row.Scan(accountFields(&a, &verified)...); err != nil {
		return nil, mapErr(err)
	}
	finishAccount(&a, verified)
	return &a, nil
}

// accountFields are the scan targets of accountColumns; finishAccount
// completes the account after the scan.
func accountFields(a *accounts.Account, verified *sql.NullTime) []any {
	return []any{&a.ID, &a.Email, &a.PasswordHash, &a.Role, &a.CreatedAt, verified}
}

func finishAccount(a *accounts.Account, verified sql.NullTime) {
	a.CreatedAt, a.EmailVerifiedAt = a.CreatedAt.UTC(), nullTime(verified)
}

// CreateAccount stores a new account; ErrConflict if the email is taken.
// A staff account has had its role since it began.
func (s *Store) CreateAccount(ctx context.Context, a *accounts.Account) (int64, error) {
	var id int64
	var roleSince *time.Time
	if a.Role != accounts.RoleReader {
		roleSince = &a.CreatedAt
	}
	err := s.w.QueryRowContext(ctx, `INSERT INTO accounts (email, password_hash, role, created_at, email_verified_at, role_since)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		a.Email, a.PasswordHash, string(a.Role), a.CreatedAt.UTC(), utcPtr(a.EmailVerifiedAt), utcPtr(roleSince)).Scan(&id)
	return id, mapErr(err)
}

// AccountByEmail finds an account by its (normalised) email.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*accounts.Account, error) {
	return scanAccount(s.readRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = $1`, email))
}

// AccountByID finds an account by id.
func (s *Store) AccountByID(ctx context.Context, id int64) (*accounts.Account, error) {
	return scanAccount(s.readRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
}

// UpdateAccount saves an account's password hash, and the time its
// address was confirmed once it has been (never unconfirming it). The
// role is not written: only ChangeRole changes it, under the admins'
// lock, so a copy of the account read before a role change cannot undo it.
func (s *Store) UpdateAccount(ctx context.Context, a *accounts.Account) error {
	_, err := s.w.ExecContext(ctx, `UPDATE accounts SET password_hash = $2,
		email_verified_at = COALESCE(email_verified_at, $3) WHERE id = $1`,
		a.ID, a.PasswordHash, utcPtr(a.EmailVerifiedAt))
	return mapErr(err)
}

const sessionColumns = `id, account_id, user_agent, created_at, last_seen_at, ended_at, ended_reason`

func scanSession(row interface{ Scan(...any) error }) (*accounts.Session, error) {
	var se accounts.Session
	var ended sql.NullTime
	if err := row.Scan(sessionFields(&se, &ended)...); err != nil {
		return nil, mapErr(err)
	}
	finishSession(&se, ended)
	return &se, nil
}

// sessionFields are the scan targets of sessionColumns; finishSession
// completes the session after the scan.
func sessionFields(se *accounts.Session, ended *sql.NullTime) []any {
	return []any{&se.ID, &se.AccountID, &se.UserAgent, &se.CreatedAt, &se.LastSeenAt, ended, &se.EndedReason}
}

func finishSession(se *accounts.Session, ended sql.NullTime) {
	se.CreatedAt, se.LastSeenAt, se.EndedAt = se.CreatedAt.UTC(), se.LastSeenAt.UTC(), nullTime(ended)
}

// CreateSession starts a session, only while the account's password hash
// is still passwordHash (ErrNotFound otherwise), and, when the account has more than
// maxActive sessions open (0: no cap), ends the oldest ones with the
// device_limit reason, all in one transaction so two sign-ins at once
// cannot both slip under the cap.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, accountID int64, passwordHash, userAgent string, now time.Time, maxActive int) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Touch the account row first: on PostgreSQL this serialises
		// concurrent sign-ins of one account, and with a change of password.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET email = email WHERE id = $1 AND password_hash = $2`, accountID, passwordHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, account_id, user_agent, created_at, last_seen_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, tokenHash, accountID, userAgent, now.UTC()).Scan(&id); err != nil {
			return mapErr(err)
		}
		if maxActive <= 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $2, ended_reason = $3
			WHERE id IN (SELECT id FROM (
				SELECT id, ROW_NUMBER() OVER (ORDER BY last_seen_at DESC, id DESC) AS newest
				FROM sessions WHERE account_id = $1 AND ended_at IS NULL) ranked
			WHERE newest > $4)`,
			accountID, now.UTC(), accounts.EndedDeviceLimit, maxActive)
		return err
	})
	return id, err
}

// SessionWithAccount finds a session, ended or not, and its account in
// one read: it identifies a signed-in reader on every page view.
func (s *Store) SessionWithAccount(ctx context.Context, tokenHash string) (*accounts.Session, *accounts.Account, error) {
	var (
		se              accounts.Session
		a               accounts.Account
		ended, verified sql.NullTime
	)
	err := s.readRow(ctx, `SELECT s.id, s.account_id, s.user_agent, s.created_at, s.last_seen_at, s.ended_at, s.ended_reason,
		`+joinedAccountColumns+`
		FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`, tokenHash).
		Scan(append(sessionFields(&se, &ended), accountFields(&a, &verified)...)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	finishSession(&se, ended)
	finishAccount(&a, verified)
	return &se, &a, nil
}

// TouchSession records that a session was seen.
func (s *Store) TouchSession(ctx context.Context, id int64, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, id, now.UTC())
	return mapErr(err)
}

// EndSession ends one of an account's sessions; ErrNotFound if it is not
// the account's or already ended.
func (s *Store) EndSession(ctx context.Context, accountID, sessionID int64, reason string, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET ended_at = $3, ended_reason = $4
		WHERE id = $1 AND account_id = $2 AND ended_at IS NULL`, sessionID, accountID, now.UTC(), reason)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// EndOtherSessions ends every open session of the account but keep.
func (s *Store) EndOtherSessions(ctx context.Context, accountID, keep int64, reason string, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET ended_at = $3, ended_reason = $4
		WHERE account_id = $1 AND id <> $2 AND ended_at IS NULL`, accountID, keep, now.UTC(), reason)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

// ActiveSessions lists an account's open sessions, most recently seen first.
func (s *Store) ActiveSessions(ctx context.Context, accountID int64) ([]*accounts.Session, error) {
	rows, err := s.readRows(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE account_id = $1 AND ended_at IS NULL ORDER BY last_seen_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*accounts.Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, rows.Err()
}
