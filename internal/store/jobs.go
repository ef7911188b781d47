package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job is one unit of durable background work.
type Job struct {
	ID        int64
	Kind      string
	UniqueKey string
	Payload   string
	RunAt     time.Time
	Attempts  int
	LastError string
	// Progress is what a long job saved of how far it got, for the next
	// attempt to resume from; empty until it saves any.
	Progress string
	// LockedBy names the worker that last claimed the job, and
	// LockedUntil is when its lease runs out (zero: not leased).
	LockedBy    string
	LockedUntil time.Time
}

// EnqueueJob adds a job unless one with the same unique key exists (done or
// not), so periodic work enqueued by several instances runs once. It
// reports whether the job was added.
func (s *Store) EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error) {
	return enqueueJob(ctx, s.w, kind, key, payload, runAt, now)
}

// execer is a database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// queryer is a database or a transaction that returns rows.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// enqueueJob is EnqueueJob on db or inside a transaction, so that a job
// can commit together with the change that calls for it.
func enqueueJob(ctx context.Context, db execer, kind, key, payload string, runAt, now time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO jobs (kind, unique_key, payload, run_at, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unique_key) DO NOTHING`, kind, key, payload, runAt.UTC(), now.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// claimJob leases the oldest due job of a kind. The lease condition is
// repeated in the outer UPDATE so that of two claims racing for one job
// only one wins: the loser's row no longer matches when its UPDATE
// re-checks it. SQLite has one writer, so that is all it needs.
const claimJob = `UPDATE jobs SET locked_until = $3, locked_by = $4, attempts = attempts + 1
	WHERE id = (SELECT id FROM jobs WHERE kind = $1 AND done_at IS NULL AND run_at <= $2
	            AND (locked_until IS NULL OR locked_until <= $2) ORDER BY run_at, id LIMIT 1%s)
	  AND done_at IS NULL AND (locked_until IS NULL OR locked_until <= $2)
	RETURNING id, kind, unique_key, payload, run_at, attempts, last_error, progress, locked_by, locked_until`

// On PostgreSQL workers claim at once: SKIP LOCKED lets each pass over a
// row another is claiming, instead of queueing behind its lock only to
// find the row taken.
var (
	claimJobSQLite   = fmt.Sprintf(claimJob, "")
	claimJobPostgres = fmt.Sprintf(claimJob, " FOR UPDATE SKIP LOCKED")
)

// ClaimJob leases the oldest due job of kind to worker until now+lease,
// or returns ErrNotFound. worker must name one worker alone: the lease
// is checked against it by ExtendJob, CompleteJob and RetryJob.
func (s *Store) ClaimJob(ctx context.Context, kind, worker string, now time.Time, lease time.Duration) (*Job, error) {
	q := claimJobSQLite
	if s.dialect.name == postgres.name {
		q = claimJobPostgres
	}
	j, err := scanJob(s.w.QueryRowContext(ctx, q, kind, now.UTC(), now.Add(lease).UTC(), worker))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return j, mapErr(err)
}

// ClaimJobByKey leases the job with key to worker until now+lease, due or
// not (a command running one job by hand): ErrNotFound when there is no
// such job or it is done, ErrConflict while another worker's lease holds.
func (s *Store) ClaimJobByKey(ctx context.Context, key, worker string, now time.Time, lease time.Duration) (*Job, error) {
	j, err := scanJob(s.w.QueryRowContext(ctx, `UPDATE jobs SET locked_until = $3, locked_by = $4, attempts = attempts + 1
		WHERE unique_key = $1 AND done_at IS NULL AND (locked_until IS NULL OR locked_until <= $2)
		RETURNING id, kind, unique_key, payload, run_at, attempts, last_error, progress, locked_by, locked_until`,
		key, now.UTC(), now.Add(lease).UTC(), worker))
	if !errors.Is(err, sql.ErrNoRows) {
		return j, mapErr(err)
	}
	if _, done, err := s.JobByKey(ctx, key); err != nil || done {
		return nil, ErrNotFound
	}
	return nil, ErrConflict
}

// The statements below change a job only while worker still holds it: a
// worker whose lease ran out and was taken by another must not renew,
// finish or reschedule the other's run. Each reports whether it did.

// ExtendJob moves the lease of a running job to until.
func (s *Store) ExtendJob(ctx context.Context, id int64, worker string, until time.Time) (bool, error) {
	return s.ownedUpdate(ctx, `UPDATE jobs SET locked_until = $3
		WHERE id = $1 AND locked_by = $2 AND done_at IS NULL`, id, worker, until.UTC())
}

// SaveJobProgress records how far a running job got.
func (s *Store) SaveJobProgress(ctx context.Context, id int64, worker, progress string) (bool, error) {
	return s.ownedUpdate(ctx, `UPDATE jobs SET progress = $3
		WHERE id = $1 AND locked_by = $2 AND done_at IS NULL`, id, worker, progress)
}

// CompleteJob marks a job done.
func (s *Store) CompleteJob(ctx context.Context, id int64, worker string, now time.Time) (bool, error) {
	return s.ownedUpdate(ctx, `UPDATE jobs SET done_at = $3, locked_until = NULL, last_error = ''
		WHERE id = $1 AND locked_by = $2 AND done_at IS NULL`, id, worker, now.UTC())
}

// RetryJob records a failure and schedules the next attempt.
func (s *Store) RetryJob(ctx context.Context, id int64, worker, cause string, runAt time.Time) (bool, error) {
	return s.ownedUpdate(ctx, `UPDATE jobs SET last_error = $3, run_at = $4, locked_until = NULL
		WHERE id = $1 AND locked_by = $2 AND done_at IS NULL`, id, worker, cause, runAt.UTC())
}

func (s *Store) ownedUpdate(ctx context.Context, q string, args ...any) (bool, error) {
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return false, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// JobByKey finds a job by its unique key, and whether it is done.
func (s *Store) JobByKey(ctx context.Context, key string) (*Job, bool, error) {
	var done sql.NullTime
	j, err := scanJob(s.readRow(ctx, `SELECT id, kind, unique_key, payload, run_at, attempts, last_error, progress,
		locked_by, locked_until, done_at FROM jobs WHERE unique_key = $1`, key), &done)
	if err != nil {
		return nil, false, mapErr(err)
	}
	return j, done.Valid, nil
}

// scanJob reads a job's columns in the order the statements above list
// them, then any extra columns into more.
func scanJob(row *sql.Row, more ...any) (*Job, error) {
	var j Job
	var until sql.NullTime
	dest := append([]any{&j.ID, &j.Kind, &j.UniqueKey, &j.Payload, &j.RunAt, &j.Attempts, &j.LastError, &j.Progress,
		&j.LockedBy, &until}, more...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	j.LockedUntil = until.Time
	return &j, nil
}
