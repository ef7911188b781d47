// Package jobs runs durable background work from the jobs table: renewals,
// emails, and later newsletter sends and imports. A job is claimed under a
// lease, so when a process dies mid-job another picks it up after the lease
// runs out; handlers must therefore be safe to run twice (they are keyed).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/store"
)

// Store is the jobs table.
type Store interface {
	EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error)
	ClaimJob(ctx context.Context, worker string, now time.Time, lease time.Duration) (*store.Job, error)
	CompleteJob(ctx context.Context, id int64, now time.Time) error
	RetryJob(ctx context.Context, id int64, cause string, runAt time.Time) error
}

// Handler runs one job.
type Handler func(ctx context.Context, payload string) error

// Runner claims and runs due jobs.
type Runner struct {
	Store    Store
	Now      func() time.Time
	Worker   string // names this process in the locked_by column
	Handlers map[string]Handler
	Lease    time.Duration
	Log      *slog.Logger
	// Periodic runs before each poll: work that finds what is due and
	// enqueues it (idempotently, by key).
	Periodic func(ctx context.Context) error
}

// Run polls until ctx ends.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs the periodic work and then every job that is due, and
// returns how many jobs ran.
func (r *Runner) RunDue(ctx context.Context) int {
	if r.Periodic != nil {
		if err := r.Periodic(ctx); err != nil {
			r.Log.Error("periodic jobs", "err", err)
		}
	}
	n := 0
	for ctx.Err() == nil {
		job, err := r.Store.ClaimJob(ctx, r.Worker, r.Now(), r.lease())
		if errors.Is(err, dberr.ErrNotFound) {
			return n
		}
		if err != nil {
			r.Log.Error("claim job", "err", err)
			return n
		}
		n++
		r.run(ctx, job)
	}
	return n
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return 5 * time.Minute
}

func (r *Runner) run(ctx context.Context, job *store.Job) {
	h, ok := r.Handlers[job.Kind]
	err := fmt.Errorf("no handler for job kind %q", job.Kind)
	if ok {
		err = h(ctx, job.Payload)
	}
	if err == nil {
		if err := r.Store.CompleteJob(ctx, job.ID, r.Now()); err != nil {
			r.Log.Error("complete job", "job", job.UniqueKey, "err", err)
		}
		return
	}
	r.Log.Warn("job failed", "job", job.UniqueKey, "attempt", job.Attempts, "err", err)
	// Back off exponentially up to about eight hours, and keep trying: a
	// renewal or a receipt is never silently dropped; last_error says why
	// it is stuck.
	backoff := time.Duration(1<<min(job.Attempts, 10)) * 30 * time.Second
	if err := r.Store.RetryJob(ctx, job.ID, err.Error(), r.Now().Add(backoff)); err != nil {
		r.Log.Error("retry job", "job", job.UniqueKey, "err", err)
	}
}
