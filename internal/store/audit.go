package store

import (
	"context"
	"encoding/json"
	"errors"

	"broadsheet/internal/audit"
)

// The audit log (migration 0023): admins' actions on money and access,
// each written by the transaction of its effect.

// RecordAudit adds an entry to the audit log inside the action's
// transaction and sets its ID.
func (t *Tx) RecordAudit(ctx context.Context, e *audit.Entry) error {
	details, err := json.Marshal(e.Details)
	if err != nil {
		return err
	}
	return mapErr(t.tx.QueryRowContext(ctx, `INSERT INTO audit_log
		(at, actor_id, actor_email, action, subject_kind, subject_id, details, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.At.UTC(), e.ActorID, e.ActorEmail, string(e.Action), string(e.Subject), e.SubjectID, string(details), e.Reason).Scan(&e.ID))
}

// ActingAdmin returns the email of the account if it is an administrator,
// holding its row until the transaction ends so that a demotion waits for
// the action (SetRole takes the admins' rows for update); audit.ErrNotAdmin
// otherwise.
func (t *Tx) ActingAdmin(ctx context.Context, accountID int64) (string, error) {
	lock := ""
	if !t.s.SingleWriter() {
		lock = " FOR SHARE"
	}
	var email string
	err := t.tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = $1 AND role = 'admin'`+lock, accountID).Scan(&email)
	if err := mapErr(err); errors.Is(err, ErrNotFound) {
		return "", audit.ErrNotAdmin
	} else if err != nil {
		return "", err
	}
	return email, nil
}

// AuditEntries lists up to limit entries older than the entry before
// (all when it is 0), newest first, by the primary key.
func (s *Store) AuditEntries(ctx context.Context, before int64, limit int) ([]*audit.Entry, error) {
	q := `SELECT id, at, actor_id, actor_email, action, subject_kind, subject_id, details, reason FROM audit_log`
	args := []any{limit}
	if before > 0 {
		q += ` WHERE id < $2`
		args = append(args, before)
	}
	rows, err := s.readRows(ctx, q+` ORDER BY id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*audit.Entry
	for rows.Next() {
		var e audit.Entry
		var action, subject, details string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorEmail, &action, &subject, &e.SubjectID, &details, &e.Reason); err != nil {
			return nil, mapErr(err)
		}
		e.At, e.Action, e.Subject = e.At.UTC(), audit.Action(action), audit.Subject(subject)
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}
