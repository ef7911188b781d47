package store

import "context"

// CountAccounts counts every account, for the admin's figures and tests.
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, mapErr(err)
}
