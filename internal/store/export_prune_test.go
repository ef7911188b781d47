package store

import "context"

// ExecRaw runs a statement on the write connection, for tests that plant
// rows no store method writes (old ones, in bulk).
func (s *Store) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := s.w.ExecContext(ctx, q, args...)
	return err
}

// CountRaw returns the single number a query selects.
func (s *Store) CountRaw(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.w.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}
