package store

import (
	"context"
	"database/sql"
	"sync"
)

// Reads go through statements prepared once and kept, so the hot path
// (the article page asks for a story, a session and a meter on every view)
// does not parse the same SQL again on every request. A statement that
// fails to prepare is reported by the query that uses it.
type preparedReads struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts sync.Map // query text → *sql.Stmt
}

func (p *preparedReads) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts.Store(query, st)
	return st, nil
}

// readRow runs a single-row read on the read pool.
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.reads.stmt(ctx, query)
	if err != nil {
		return s.r.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// readRows runs a read on the read pool.
func (s *Store) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.reads.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *preparedReads) close() {
	p.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// prepareHot prepares the write statements of the hot path on the write
// pool when the store opens. It must happen outside any transaction: on
// SQLite the write pool is one connection, which an open transaction holds.
func (s *Store) prepareHot(ctx context.Context) error {
	for _, q := range []string{sqlClaimCount, sqlClaimRecord, sqlClaimLower, sqlMeterCheck, sqlMonthCount} {
		if _, err := s.writes.stmt(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// txRow runs a single-row statement inside tx, through its prepared
// statement when prepareHot made one.
func (s *Store) txRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st, ok := s.writes.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// txExec runs a statement inside tx, like txRow.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st, ok := s.writes.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}
