package store

import (
	"context"
	"time"

	"broadsheet/internal/content"
)

// FailedClaimBatches reports how many claim batches failed as a whole and
// were retried claim by claim.
func (s *Store) FailedClaimBatches() int64 { return s.claims.failed.Load() }

// MaxClaimBatch is the most claims one batch commits.
const MaxClaimBatch = maxBatch

// BatchClaim is one claim of a batch committed by CommitClaimBatch, as
// ClaimReads makes.
type BatchClaim struct {
	Reader, Month string
	IDs           []int64
	Limit         int
}

// BatchResult is what one claim of the batch returned.
type BatchResult struct {
	Counted []bool
	Used    int
	Err     error
}

// CommitClaimBatch commits claims as one batch, as the batcher does with
// claims that wait together, so a test can choose what a batch holds.
func (s *Store) CommitClaimBatch(ctx context.Context, claims []BatchClaim, now time.Time) []BatchResult {
	batch := make([]*claim, len(claims))
	for i, c := range claims {
		batch[i] = &claim{ctx: ctx, reader: c.Reader, month: c.Month, ids: c.IDs, limit: c.Limit, now: now,
			counted: make([]bool, len(c.IDs)), done: make(chan struct{})}
	}
	// commit sorts the batch: keep the claims to answer in the caller's order.
	byCaller := append([]*claim(nil), batch...)
	s.claims.commit(batch)
	out := make([]BatchResult, len(claims))
	for i, c := range byCaller {
		<-c.done
		out[i] = BatchResult{Counted: c.counted, Used: c.used, Err: c.err}
	}
	return out
}

// OpenAtVersion opens url with only the migrations up to version applied,
// so a test can put rows in an older schema before the rest run.
func OpenAtVersion(ctx context.Context, url string, version int) (*Store, error) {
	s, err := connect(url)
	if err != nil {
		return nil, err
	}
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

// AutoCheckpoint is the write connection's wal_autocheckpoint: the log's
// length, in pages, at which a commit checkpoints; 0 never.
func (s *Store) AutoCheckpoint(ctx context.Context) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&n)
	return n, err
}

// SearchRankAmong is how many of a search's newest matches are ranked by
// relevance.
const SearchRankAmong = rankAmong

// SearchPrefixWords is how many words a prefix may start for SQLite to
// search for them rather than for the prefix.
const SearchPrefixWords = prefixWords

// SearchTSQuery is PostgreSQL's tsquery of a search's words.
func SearchTSQuery(q content.Query) string { return tsMatch(q) }

// SetSearchWalk has PostgreSQL's search walk stories before it asks the
// index, and at most further more, so that a test reaches the windows.
func (s *Store) SetSearchWalk(stories, further int) { s.walk = searchWalkSize{stories, further} }

// KeptSearchStatements runs search n times on one read connection and
// returns how many statements that connection then keeps prepared that
// are a search's (PostgreSQL only).
func (s *Store) KeptSearchStatements(ctx context.Context, p content.SearchParams, n int) (int, error) {
	s.r.SetMaxOpenConns(1)
	defer s.r.SetMaxOpenConns(0)
	for range n {
		if _, err := s.SearchArticles(ctx, p); err != nil {
			return 0, err
		}
	}
	var kept int
	// The words looked for are an argument, so that this statement, kept
	// prepared too, is not counted.
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE strpos(statement, $1) > 0`,
		"a.search @@").Scan(&kept)
	return kept, err
}
