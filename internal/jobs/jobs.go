// Package jobs runs Broadsheet's background work, in two parts:
//
//   - a Scheduler runs periodic tasks (reload settings, refresh stories,
//     find renewals that are due, prune), each on its own goroutine and
//     interval, so that a slow or failing task delays only itself;
//   - a Runner runs the durable jobs of the jobs table (renewals, receipts,
//     and later imports and newsletter sends) with a pool of workers per
//     kind, so that a long job of one kind never delays another kind.
//
// A worker claims a job under a lease and renews it while the job runs.
// When a process dies mid-job its lease runs out and another process takes
// the job, so handlers must be safe to run twice (they are keyed). Only the
// worker that holds the lease may finish or reschedule the job.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/store"
)

// Store is the jobs table.
type Store interface {
	ClaimJob(ctx context.Context, kind, worker string, now time.Time, lease time.Duration) (*store.Job, error)
	ClaimJobByKey(ctx context.Context, key, worker string, now time.Time, lease time.Duration) (*store.Job, error)
	ExtendJob(ctx context.Context, id int64, worker string, until time.Time) (bool, error)
	SaveJobProgress(ctx context.Context, id int64, worker, progress string) (bool, error)
	CompleteJob(ctx context.Context, id int64, worker string, now time.Time) (bool, error)
	RetryJob(ctx context.Context, id int64, worker, cause string, runAt time.Time) (bool, error)
}

// Handler runs one job.
type Handler func(ctx context.Context, job *Job) error

// OnID is a Handler for jobs whose payload is the id of what they work on
// (a subscription, a payment); a payload that is not one fails the job.
func OnID(run func(ctx context.Context, id int64) error) Handler {
	return func(ctx context.Context, job *Job) error {
		id, err := strconv.ParseInt(job.Payload, 10, 64)
		if err != nil {
			return fmt.Errorf("job payload %q: want an id", job.Payload)
		}
		return run(ctx, id)
	}
}

// Kind is how one kind of job runs.
type Kind struct {
	Handler Handler
	Workers int // how many jobs of this kind one process runs at once (at least 1)
}

// Defaults for a Runner's zero fields.
const (
	DefaultLease = 5 * time.Minute
	DefaultPoll  = 5 * time.Second
	DefaultDrain = 30 * time.Second
)

// recordTimeout bounds the writes that record a job's outcome.
const recordTimeout = 5 * time.Second

// Runner claims and runs due jobs.
type Runner struct {
	Store  Store
	Now    func() time.Time
	Worker string          // names this process; each of its workers adds its kind and number
	Kinds  map[string]Kind // jobs of other kinds are left to a process that knows them
	Lease  time.Duration   // how long a claim holds without renewal; renewed every Lease/3
	Poll   time.Duration   // how long an idle worker waits before looking again
	Drain  time.Duration   // at shutdown, how long running jobs may take to finish before they are cancelled
	Log    *slog.Logger
}

// Run runs each kind's workers until ctx ends, then lets the jobs in
// flight finish (cancelling those still running after Drain) and returns
// once every worker has stopped.
func (r *Runner) Run(ctx context.Context) {
	// Jobs run under their own context, so that a shutdown stops the
	// claiming of new jobs without cutting short the ones running.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var workers sync.WaitGroup
	for _, kind := range slices.Sorted(maps.Keys(r.Kinds)) {
		for i := range max(r.Kinds[kind].Workers, 1) {
			worker := fmt.Sprintf("%s %s#%d", r.Worker, kind, i+1)
			workers.Go(func() { r.work(ctx, jobCtx, kind, worker) })
		}
	}
	stopped := make(chan struct{})
	go func() { workers.Wait(); close(stopped) }()
	<-ctx.Done()
	select {
	case <-stopped:
	case <-time.After(or(r.Drain, DefaultDrain)):
		r.Log.Warn("jobs still running at shutdown: cancelling them")
		cancelJobs()
		<-stopped
	}
}

// work is one worker: it runs due jobs of kind one after another until
// stop ends, waiting Poll whenever none is due.
func (r *Runner) work(stop, jobCtx context.Context, kind, worker string) {
	for stop.Err() == nil {
		if r.runNext(jobCtx, kind, worker) {
			continue // more may be due
		}
		select {
		case <-stop.Done():
		case <-time.After(or(r.Poll, DefaultPoll)):
		}
	}
}

// RunDue runs every job that is due, of every kind, in the calling
// goroutine, and returns how many ran. Tests use it to step time.
func (r *Runner) RunDue(ctx context.Context) int {
	n := 0
	for ctx.Err() == nil {
		ran := 0
		for _, kind := range slices.Sorted(maps.Keys(r.Kinds)) {
			for ctx.Err() == nil && r.runNext(ctx, kind, r.Worker+" "+kind) {
				ran++
			}
		}
		if ran == 0 {
			return n // a job may enqueue one of another kind: stop when a pass finds none
		}
		n += ran
	}
	return n
}

// runNext claims the next due job of kind and runs it, and reports
// whether there was one.
func (r *Runner) runNext(ctx context.Context, kind, worker string) bool {
	job, err := r.Store.ClaimJob(ctx, kind, worker, r.Now(), r.lease())
	if errors.Is(err, dberr.ErrNotFound) {
		return false
	}
	if err != nil {
		if ctx.Err() == nil {
			r.Log.Error("claim job", "kind", kind, "err", err)
		}
		return false
	}
	r.run(ctx, job, worker, r.Kinds[kind].Handler)
	return true
}

// ErrJobLeased is returned by RunKey while another worker holds the job.
var ErrJobLeased = errors.New("the job is being run by another worker")

// RunKey runs the job with key now, due or not, with handler, under the
// runner's lease as a worker would (a command that sends one newsletter
// issue by hand). It returns the handler's error, ErrJobLeased while
// another worker holds the job, or dberr.ErrNotFound when there is no such
// job or it is done. A failed job is retried later by the workers, as any.
func (r *Runner) RunKey(ctx context.Context, key string, handler Handler) error {
	worker := r.Worker + " " + key
	job, err := r.Store.ClaimJobByKey(ctx, key, worker, r.Now(), r.lease())
	if errors.Is(err, dberr.ErrConflict) {
		return ErrJobLeased
	}
	if err != nil {
		return err
	}
	return r.run(ctx, job, worker, handler)
}

func (r *Runner) run(ctx context.Context, j *store.Job, worker string, handler Handler) error {
	jobCtx, cancel := context.WithCancelCause(ctx)
	job := &Job{Payload: j.Payload, Progress: j.Progress, Attempt: j.Attempts, id: j.ID, worker: worker, store: r.Store}
	beating := make(chan struct{})
	go func() { defer close(beating); r.heartbeat(jobCtx, cancel, j, worker) }()
	err := handler(jobCtx, job)
	cancel(nil)
	<-beating

	// The outcome is recorded even when a shutdown has cancelled the job.
	ctx, done := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer done()
	if err == nil {
		held, err := r.Store.CompleteJob(ctx, j.ID, worker, r.Now())
		switch {
		case err != nil:
			r.Log.Error("complete job", "job", j.UniqueKey, "err", err)
		case !held:
			r.Log.Warn("job finished after another worker took it over; left to that worker", "job", j.UniqueKey, "worker", worker)
		}
		return err
	}
	failed := err
	r.Log.Warn("job failed", "job", j.UniqueKey, "attempt", j.Attempts, "err", err)
	// Back off exponentially up to about eight hours, and keep trying: a
	// renewal or a receipt is never silently dropped; last_error says why
	// it is stuck.
	backoff := time.Duration(1<<min(j.Attempts, 10)) * 30 * time.Second
	held, err := r.Store.RetryJob(ctx, j.ID, worker, err.Error(), r.Now().Add(backoff))
	switch {
	case err != nil:
		r.Log.Error("retry job", "job", j.UniqueKey, "err", err)
	case !held:
		r.Log.Warn("job failed after another worker took it over; left to that worker", "job", j.UniqueKey, "worker", worker)
	}
	return failed
}

// heartbeat renews the job's lease every Lease/3 until ctx ends. If the
// lease is no longer this worker's, it cancels the job: another worker is
// running it.
func (r *Runner) heartbeat(ctx context.Context, lost context.CancelCauseFunc, j *store.Job, worker string) {
	t := time.NewTicker(r.lease() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := r.Store.ExtendJob(ctx, j.ID, worker, r.Now().Add(r.lease()))
		switch {
		case err != nil && ctx.Err() == nil:
			// Two more beats before the lease runs out.
			r.Log.Warn("renew job lease", "job", j.UniqueKey, "err", err)
		case err == nil && !held:
			r.Log.Error("lost the lease of a running job: stopping it", "job", j.UniqueKey, "worker", worker)
			lost(ErrLeaseLost)
			return
		}
	}
}

func (r *Runner) lease() time.Duration { return or(r.Lease, DefaultLease) }

// or is d, or def when d is not set.
func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Job is the job a handler runs.
type Job struct {
	Payload string
	// Progress is what an earlier attempt saved with SaveProgress, for a
	// long job to resume from; empty on a first attempt.
	Progress string
	Attempt  int // 1 on the first run

	id     int64
	worker string
	store  Store
}

// ErrLeaseLost is returned by SaveProgress, and is the cause of the end of
// a job's context, when another worker has taken the job over (this one's
// lease ran out): the handler should stop.
var ErrLeaseLost = errors.New("the job was taken over by another worker")

// SaveProgress records how far the job got, so that if this process dies
// the next attempt starts from there (in its Progress).
func (j *Job) SaveProgress(ctx context.Context, progress string) error {
	held, err := j.store.SaveJobProgress(ctx, j.id, j.worker, progress)
	if err != nil {
		return err
	}
	if !held {
		return ErrLeaseLost
	}
	j.Progress = progress
	return nil
}
