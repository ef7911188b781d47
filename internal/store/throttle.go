package store

import (
	"context"
	"time"
)

// Sign-in attempts are counted in login_throttle, one row per key, in a
// window that opens with the key's first attempt and lasts a given time.
// Counting is one statement, so parallel attempts each get their own
// count: none can be checked on a count another attempt has already used.

// CountLoginAttempt counts one attempt under key and returns the attempts in
// the key's window, this one included, and when the window opened. A window
// that opened window ago or earlier is over: this attempt opens a new one.
func (s *Store) CountLoginAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error) {
	var (
		n      int
		opened time.Time
	)
	err := s.w.QueryRowContext(ctx, `INSERT INTO login_throttle (key, window_start, attempts) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.attempts + 1 END,
			window_start = CASE WHEN login_throttle.window_start <= $3 THEN excluded.window_start ELSE login_throttle.window_start END
		RETURNING attempts, window_start`, key, now.UTC(), now.Add(-window).UTC()).Scan(&n, &opened)
	return n, opened.UTC(), mapErr(err)
}

// UncountLoginAttempt takes back one attempt counted under key in the
// window that opened at opened: one that succeeded, or was never checked.
// Once that window is over there is nothing to take back.
func (s *Store) UncountLoginAttempt(ctx context.Context, key string, opened time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE login_throttle SET attempts = attempts - 1
		WHERE key = $1 AND window_start = $2 AND attempts > 0`, key, opened.UTC())
	return mapErr(err)
}

// ClearLoginAttempts forgets the attempts under key.
func (s *Store) ClearLoginAttempts(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, key)
	return mapErr(err)
}
