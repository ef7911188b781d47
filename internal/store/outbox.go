package store

import (
	"context"
	"time"

	"broadsheet/internal/mail"
)

// AddToOutbox stores an email.
func (s *Store) AddToOutbox(ctx context.Context, to, subject, body string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ($1, $2, $3, $4)`,
		to, subject, body, now.UTC())
	return mapErr(err)
}

// Outbox lists the newest stored emails first.
func (s *Store) Outbox(ctx context.Context, limit int) ([]mail.OutboxMessage, error) {
	rows, err := s.readRows(ctx, `SELECT id, to_addr, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mail.OutboxMessage
	for rows.Next() {
		var m mail.OutboxMessage
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
