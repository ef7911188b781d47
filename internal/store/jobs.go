package store

import (
	"context"
	"database/sql"
	"errors"
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

// ClaimJob leases the oldest due job to worker until now+lease, or returns
// ErrNotFound. The lease condition is repeated in the outer UPDATE so that,
// on PostgreSQL, of two instances racing for one job only one wins: the
// loser's row no longer matches when its UPDATE re-checks it.
func (s *Store) ClaimJob(ctx context.Context, worker string, now time.Time, lease time.Duration) (*Job, error) {
	var j Job
	err := s.w.QueryRowContext(ctx, `UPDATE jobs SET locked_until = $2, locked_by = $3, attempts = attempts + 1
		WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1
		            AND (locked_until IS NULL OR locked_until <= $1) ORDER BY run_at, id LIMIT 1)
		  AND done_at IS NULL AND (locked_until IS NULL OR locked_until <= $1)
		RETURNING id, kind, unique_key, payload, run_at, attempts, last_error`,
		now.UTC(), now.Add(lease).UTC(), worker).
		Scan(&j.ID, &j.Kind, &j.UniqueKey, &j.Payload, &j.RunAt, &j.Attempts, &j.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &j, mapErr(err)
}

// CompleteJob marks a job done.
func (s *Store) CompleteJob(ctx context.Context, id int64, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE jobs SET done_at = $2, locked_until = NULL, last_error = '' WHERE id = $1`, id, now.UTC())
	return mapErr(err)
}

// RetryJob records a failure and schedules the next attempt.
func (s *Store) RetryJob(ctx context.Context, id int64, cause string, runAt time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE jobs SET last_error = $2, run_at = $3, locked_until = NULL WHERE id = $1`, id, cause, runAt.UTC())
	return mapErr(err)
}

// JobByKey finds a job by its unique key.
func (s *Store) JobByKey(ctx context.Context, key string) (*Job, bool, error) {
	var j Job
	var done sql.NullTime
	err := s.readRow(ctx, `SELECT id, kind, unique_key, payload, run_at, attempts, last_error, done_at
		FROM jobs WHERE unique_key = $1`, key).Scan(&j.ID, &j.Kind, &j.UniqueKey, &j.Payload, &j.RunAt, &j.Attempts, &j.LastError, &done)
	if err != nil {
		return nil, false, mapErr(err)
	}
	return &j, done.Valid, nil
}
