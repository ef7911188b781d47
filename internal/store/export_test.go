package store

import "context"

// FailedClaimBatches reports how many claim batches failed as a whole and
// were retried claim by claim.
func (s *Store) FailedClaimBatches() int64 { return s.claims.failed.Load() }

// OpenAtVersion opens url with only the migrations up to version applied,
// so a test can put rows in an older schema before the rest run.
func OpenAtVersion(ctx context.Context, url string, version int) (*Store, error) {
	s, err := open(url)
	if err != nil {
		return nil, err
	}
	s.claims = newClaimBatcher(s)
	s.reads = &preparedReads{db: s.r}
	s.writes = &preparedReads{db: s.w}
	if err := s.migrate(ctx, version); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Exec runs a statement on the write pool.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.w.ExecContext(ctx, query, args...)
	return err
}

// QueryString runs a single-row, single-column read.
func (s *Store) QueryString(ctx context.Context, query string, args ...any) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, query, args...).Scan(&v)
	return v, err
}
