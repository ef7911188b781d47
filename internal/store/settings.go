package store

import (
	"context"
	"database/sql"
)

// Settings returns every stored editorial setting by key.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := s.readRows(ctx, `SELECT key, value FROM settings WHERE key NOT LIKE 'secret:%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SaveSettings stores the given settings in one transaction.
func (s *Store) SaveSettings(ctx context.Context, values map[string]string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for k, v := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}
