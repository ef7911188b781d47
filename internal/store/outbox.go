package store

import (
	"context"
	"time"

	"broadsheet/internal/mail"
)

// AddToOutbox stores an email; with a key, only if no email with that key
// is stored (the same email written again).
func (s *Store) AddToOutbox(ctx context.Context, to, subject, body, key string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO outbox (to_addr, subject, body, created_at, message_key)
		VALUES ($1, $2, $3, $4, NULLIF($5, '')) ON CONFLICT DO NOTHING`, to, subject, body, now.UTC(), key)
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
