package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/accounts"
)

// StaffAccounts lists the accounts with a role: admins, then editors,
// each by email.
func (s *Store) StaffAccounts(ctx context.Context) ([]accounts.StaffMember, error) {
	rows, err := s.readRows(ctx, `SELECT id, email, role, role_since, created_at FROM accounts
		WHERE role <> '' ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, email`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []accounts.StaffMember
	for rows.Next() {
		var m accounts.StaffMember
		var since sql.NullTime
		var created time.Time
		if err := rows.Scan(&m.ID, &m.Email, &m.Role, &since, &created); err != nil {
			return nil, mapErr(err)
		}
		// Every role written since migration 0014 has its time; none
		// should lack one, but the account's start is the honest floor.
		m.Since = created.UTC()
		if since.Valid {
			m.Since = since.Time.UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ChangeRole gives the account with email the role (see
// accounts.RoleStore). Every role change takes the admins' rows first, in
// id order, so on PostgreSQL changes take turns from there: of two admins
// demoting each other, the second sees the first's change and one admin
// left. SQLite's write transaction holds the whole database already.
func (s *Store) ChangeRole(ctx context.Context, email string, role accounts.Role, now time.Time,
	check func(a *accounts.Account, admins []int64) error) error {
	forUpdate := ``
	if !s.SingleWriter() {
		forUpdate = ` FOR UPDATE`
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		admins, err := adminIDs(ctx, tx, forUpdate)
		if err != nil {
			return err
		}
		a, err := scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = $1`+forUpdate, email))
		if err != nil {
			return err
		}
		if err := check(a, admins); err != nil {
			return err
		}
		if a.Role == role {
			return nil // kept, and so is since when
		}
		var since *time.Time
		if role != accounts.RoleReader {
			since = &now
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET role = $2, role_since = $3 WHERE id = $1`, a.ID, string(role), utcPtr(since))
		return mapErr(err)
	})
}

// adminIDs reads the admins' ids in tx, locking their rows with forUpdate.
func adminIDs(ctx context.Context, tx *sql.Tx, forUpdate string) ([]int64, error) {
	return scanIDs(tx.QueryContext(ctx, `SELECT id FROM accounts WHERE role = 'admin' ORDER BY id`+forUpdate))
}
