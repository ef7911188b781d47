package store

import (
	"context"
	"database/sql"
	"errors"

	"broadsheet/internal/ads"
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
	return s.inTx(ctx, func(tx *sql.Tx) error { return saveSettings(ctx, tx, values) })
}

func saveSettings(ctx context.Context, tx *sql.Tx, values map[string]string) error {
	for k, v := range values {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return err
		}
	}
	return nil
}

// StoredSettings reads the stored values of keys in the transaction; a
// key never saved is absent.
func (t *Tx) StoredSettings(ctx context.Context, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range keys {
		var v string
		err := mapErr(t.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, k).Scan(&v))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// SaveSettings is Store.SaveSettings inside the transaction.
func (t *Tx) SaveSettings(ctx context.Context, values map[string]string) error {
	return saveSettings(ctx, t.tx, values)
}

// InAdsTx runs fn in one transaction: the ad slots' save and its audit
// entry.
func (s *Store) InAdsTx(ctx context.Context, fn func(tx ads.ConsoleTx) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}
