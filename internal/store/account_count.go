package store

import "context"

// CountAccounts counts every account (tests check that a refused request
// created none).
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, mapErr(err)
}
