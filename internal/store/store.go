// Package store keeps everything Broadsheet remembers, in SQLite or
// PostgreSQL through database/sql. Both engines run the same SQL, written in
// their common subset; the few real differences live in dialect.go. Each file
// holds the statements of one concept next to the code that scans them.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"broadsheet/internal/dberr"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Errors every store method maps driver errors to.
var (
	ErrNotFound = dberr.ErrNotFound
	ErrConflict = dberr.ErrConflict
	ErrInUse    = dberr.ErrInUse
)

// Store is the database. Writes go through w and reads through r: on SQLite
// w is a single connection, so writers queue in Go instead of failing with
// "database is locked"; on PostgreSQL both are the same pool.
type Store struct {
	w, r    *sql.DB
	dialect dialect
	claims  *claimBatcher
	reads   *preparedReads
	writes  *preparedReads
	lock    *fileLock // held on SQLite by a server (see Exclusive)
	ckpt    *checkpointer
	walk    searchWalkSize // zero: walkStories and walkFurther
}

// Open connects to the database named by url and applies pending
// migrations. url is sqlite:///path/to/file.db or postgres://...
// Without options it takes no lock: see Exclusive and BesideServer.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	s, err := connect(url)
	if err != nil {
		return nil, err
	}
	migrate, err := s.takeLock(ctx, url, o)
	if err != nil {
		s.Close()
		return nil, err
	}
	if migrate {
		err = s.Migrate(ctx)
	}
	if o.lock == besideServer {
		// The lock was only for migrating: let a server start now.
		err = errors.Join(err, s.lock.release())
		s.lock = nil
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("prepare statements: %w", err)
	}
	if o.lock == exclusive && s.SingleWriter() {
		// A server checkpoints beside its writer (checkpoint.go); commands
		// that run and exit leave it to SQLite.
		if _, err := s.w.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		s.ckpt = startCheckpointer(s.r)
	}
	return s, nil
}

// connect opens the database and starts what the store runs beside it,
// without migrating.
func connect(url string) (*Store, error) {
	s, err := open(url)
	if err != nil {
		return nil, err
	}
	s.claims = newClaimBatcher(s)
	s.reads = &preparedReads{db: s.r}
	s.writes = &preparedReads{db: s.w}
	return s, nil
}

func open(url string) (*Store, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		return &Store{w: db, r: db, dialect: postgres}, nil
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("database url %q names no file", url)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		dsn := "file:" + path + "?" + sqlitePragmas
		w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", dsn+sqliteReadCache)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		return &Store{w: w, r: r, dialect: sqlite}, nil
	default:
		return nil, fmt.Errorf("database url %q: want sqlite:///path/file.db or postgres://...", url)
	}
}

// Close closes the database.
func (s *Store) Close() error {
	s.ckpt.close()
	s.claims.close()
	s.reads.close()
	s.writes.close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return errors.Join(err, s.lock.release())
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.name }

// SingleWriter reports whether this process is the database's only writer:
// true on SQLite, which Broadsheet serves from one process, false on
// PostgreSQL, which several instances may share. What a process remembers
// of written data is complete only when it is the only writer.
func (s *Store) SingleWriter() bool { return s.dialect.name == sqlite.name }

// inTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

// inLazyTx is inTx for writes many and small, such as a newsletter's
// claims, whose commit need not wait for the disk: it survives a crash of
// this process, and the database server's own crash may lose the last
// moment of them, as SQLite's NORMAL sync may (see dialect.lazyCommit).
func (s *Store) inLazyTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect.lazyCommit != "" {
			if _, err := tx.ExecContext(ctx, s.dialect.lazyCommit); err != nil {
				return mapErr(err)
			}
		}
		return fn(tx)
	})
}

// forUpdate is the clause that holds the rows a select reads until the
// transaction ends: SQLite's write transaction already holds them all.
func (s *Store) forUpdate() string {
	if s.SingleWriter() {
		return ""
	}
	return " FOR UPDATE"
}

// scanIDs reads the ids a query of one id column returned, and closes
// its rows; it takes the query's own error, so that a caller can hand it
// the query's two results.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	return scanColumn[int64](rows, err)
}

// scanColumn reads the values of a query of one column, as scanIDs does.
func scanColumn[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// mapErr turns driver errors into the store's sentinels.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w: %v", ErrInUse, err)
	default:
		return err
	}
}

// nullTime turns a nullable time column into a pointer.
func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}
