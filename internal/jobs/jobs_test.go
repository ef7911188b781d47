package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/clock"
	"broadsheet/internal/jobs"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var start = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)

// runner runs jobs of kind "work" with h, under a one-minute lease: long
// enough (on the test's real-time heartbeat) that it is never renewed
// during a test, so a test can let it run out by moving the clock.
func runner(s *store.Store, clk *clock.Manual, name string, h jobs.Handler) *jobs.Runner {
	return &jobs.Runner{
		Store: s, Now: clk.Now, Worker: name, Lease: time.Minute, Poll: 5 * time.Millisecond,
		Kinds: map[string]jobs.Kind{"work": {Handler: h}},
		Log:   quiet,
	}
}

// waitFor waits until cond holds; it gives up after long enough that
// something that should happen at once did not happen at all.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func jobByKey(t *testing.T, s *store.Store, key string) (*store.Job, bool) {
	t.Helper()
	j, done, err := s.JobByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return j, done
}

func enqueue(t *testing.T, s *store.Store, clk *clock.Manual, kind, key string) {
	t.Helper()
	if _, err := s.EnqueueJob(context.Background(), kind, key, key, clk.Now(), clk.Now()); err != nil {
		t.Fatal(err)
	}
}

// blocked is a handler that signals when it starts and returns err once
// released.
type blocked struct {
	started chan struct{}
	release chan struct{}
	err     error
}

func newBlocked(err error) *blocked {
	return &blocked{started: make(chan struct{}, 10), release: make(chan struct{}), err: err}
}

func (b *blocked) run(context.Context, *jobs.Job) error {
	b.started <- struct{}{}
	<-b.release
	return b.err
}

func TestEnqueueIsOncePerKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		first, err := s.EnqueueJob(ctx, "work", "k1", "", now, now)
		if err != nil || !first {
			t.Fatalf("first enqueue: %v %v", first, err)
		}
		again, err := s.EnqueueJob(ctx, "work", "k1", "", now, now)
		if err != nil || again {
			t.Fatalf("second enqueue of the same key added a job (%v, %v)", again, err)
		}
	})
}

// Two processes, each with a pool of three workers, share 40 jobs: each
// runs once.
func TestEachJobRunsOnceAcrossPools(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clk := clock.NewManual(start)
		const n = 40
		for i := range n {
			enqueue(t, s, clk, "work", fmt.Sprintf("job-%02d", i))
		}
		var mu sync.Mutex
		runs := map[string]int{}
		total := 0
		h := func(_ context.Context, j *jobs.Job) error {
			mu.Lock()
			defer mu.Unlock()
			runs[j.Payload]++
			total++
			return nil
		}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for p := range 2 {
			r := runner(s, clk, fmt.Sprintf("process-%d", p), h)
			r.Kinds["work"] = jobs.Kind{Handler: h, Workers: 3}
			wg.Go(func() { r.Run(ctx) })
		}
		waitFor(t, "every job to run", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return total >= n
		})
		stop()
		wg.Wait()
		if len(runs) != n {
			t.Fatalf("%d distinct jobs ran, want %d", len(runs), n)
		}
		for k, c := range runs {
			if c != 1 {
				t.Errorf("job %s ran %d times", k, c)
			}
		}
	})
}

func TestFailedJobIsRetriedAndCrashedJobIsReclaimed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(start)
		enqueue(t, s, clk, "work", "flaky")
		var calls atomic.Int32
		r := runner(s, clk, "w", func(context.Context, *jobs.Job) error {
			if calls.Add(1) == 1 {
				return errors.New("gateway timed out")
			}
			return nil
		})
		if n := r.RunDue(ctx); n != 1 {
			t.Fatalf("first run: %d jobs, want 1", n)
		}
		job, done := jobByKey(t, s, "flaky")
		if done || job.LastError != "gateway timed out" {
			t.Fatalf("after a failure: done=%v last_error=%q", done, job.LastError)
		}
		if n := r.RunDue(ctx); n != 0 {
			t.Fatalf("a failed job ran again before its backoff (%d)", n)
		}
		clk.Advance(2 * time.Minute)
		r.RunDue(ctx)
		if _, done := jobByKey(t, s, "flaky"); !done || calls.Load() != 2 {
			t.Fatalf("retry: done=%v calls=%d", done, calls.Load())
		}

		// A process that claimed a job and died: the lease runs out and
		// another process takes the job.
		enqueue(t, s, clk, "work", "orphan")
		if _, err := s.ClaimJob(ctx, "work", "dead-process", clk.Now(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := r.RunDue(ctx); n != 0 {
			t.Fatalf("a leased job was taken while its lease held (%d)", n)
		}
		clk.Advance(61 * time.Second)
		if n := r.RunDue(ctx); n != 1 {
			t.Fatalf("the orphaned job was not reclaimed after its lease (%d)", n)
		}
	})
}

// A job that runs for longer than its lease keeps it: its worker renews
// the lease as it goes, and a second worker, looking after the first
// lease would have run out, finds nothing to take.
func TestLeaseIsRenewedWhileTheJobRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(start)
		long := newBlocked(nil)
		a := runner(s, clk, "worker-a", long.run)
		const lease = 30 * time.Millisecond // renewed every 10 ms of real time
		a.Lease = lease
		enqueue(t, s, clk, "work", "long")
		done := make(chan int)
		go func() { done <- a.RunDue(ctx) }()
		<-long.started

		// Five times the lease goes by, in steps shorter than it.
		for range 5 {
			clk.Advance(lease * 2 / 3)
			waitFor(t, "the running job's lease to be renewed", func() bool {
				j, _ := jobByKey(t, s, "long")
				return !j.LockedUntil.Before(clk.Now().Add(lease))
			})
		}
		var second atomic.Int32
		b := runner(s, clk, "worker-b", func(context.Context, *jobs.Job) error { second.Add(1); return nil })
		if n := b.RunDue(ctx); n != 0 || second.Load() != 0 {
			t.Fatalf("a second worker took a job that was still running (%d)", n)
		}
		close(long.release)
		if n := <-done; n != 1 {
			t.Fatalf("the first worker ran %d jobs, want 1", n)
		}
		if j, finished := jobByKey(t, s, "long"); !finished || j.Attempts != 1 {
			t.Errorf("the long job: done %v after %d attempts, want done after 1", finished, j.Attempts)
		}
	})
}

// A worker whose lease ran out and was taken over by another cannot mark
// the job done, nor reschedule it: the job stays with the worker that
// holds it now.
func TestOnlyTheLeaseHolderFinishesAJob(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{{"succeeds", nil}, {"fails", errors.New("gateway timed out")}} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				clk := clock.NewManual(start)
				slow := newBlocked(tc.err)
				a := runner(s, clk, "worker-a", slow.run)
				enqueue(t, s, clk, "work", "taken")
				done := make(chan int)
				go func() { done <- a.RunDue(ctx) }()
				<-slow.started

				clk.Advance(2 * time.Minute) // worker-a's lease runs out
				b, err := s.ClaimJob(ctx, "work", "worker-b", clk.Now(), time.Minute)
				if err != nil {
					t.Fatalf("worker-b could not take over the job: %v", err)
				}
				close(slow.release)
				<-done

				j, finished := jobByKey(t, s, "taken")
				if finished {
					t.Fatal("worker-a marked done a job that worker-b holds")
				}
				if j.LockedBy != "worker-b" || !j.LockedUntil.Equal(b.LockedUntil) || j.LastError != "" {
					t.Fatalf("worker-a changed worker-b's job: locked by %q until %v, last error %q", j.LockedBy, j.LockedUntil, j.LastError)
				}
				if held, err := s.CompleteJob(ctx, b.ID, "worker-b", clk.Now()); err != nil || !held {
					t.Fatalf("worker-b could not complete its job: %v %v", held, err)
				}
			})
		})
	}
}

// A worker that finds, at a heartbeat, that its job was taken over stops
// the job: its context ends, with ErrLeaseLost as the cause.
func TestLostLeaseStopsTheJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(start)
		started := make(chan struct{})
		cause := make(chan error, 1)
		a := runner(s, clk, "worker-a", func(ctx context.Context, _ *jobs.Job) error {
			close(started)
			<-ctx.Done()
			cause <- context.Cause(ctx)
			return ctx.Err()
		})
		a.Lease = 30 * time.Millisecond
		enqueue(t, s, clk, "work", "stolen")
		done := make(chan int)
		go func() { done <- a.RunDue(ctx) }()
		<-started
		// worker-a keeps renewing; jump past its lease until worker-b
		// gets in between two renewals.
		waitFor(t, "worker-b to take the job over", func() bool {
			clk.Advance(time.Minute)
			_, err := s.ClaimJob(ctx, "work", "worker-b", clk.Now(), time.Hour)
			return err == nil
		})
		select {
		case err := <-cause:
			if !errors.Is(err, jobs.ErrLeaseLost) {
				t.Fatalf("the job's context ended with %v, want ErrLeaseLost", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("worker-a's job went on running after worker-b took it over")
		}
		<-done
		if j, finished := jobByKey(t, s, "stolen"); finished || j.LockedBy != "worker-b" {
			t.Errorf("after the takeover: done %v, locked by %q; want worker-b's, not done", finished, j.LockedBy)
		}
	})
}

// A long job saves how far it got; after its process dies, the next
// attempt starts from there, and the dead process can save no more.
func TestProgressSurvivesACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(start)
		saved := make(chan *jobs.Job)
		hang := make(chan struct{})
		defer close(hang)
		a := runner(s, clk, "worker-a", func(ctx context.Context, j *jobs.Job) error {
			if err := j.SaveProgress(ctx, "sent to 500 of 1200"); err != nil {
				return err
			}
			saved <- j
			<-hang // the process dies here
			return nil
		})
		enqueue(t, s, clk, "work", "newsletter")
		go a.RunDue(ctx)
		dead := <-saved

		clk.Advance(2 * time.Minute)
		var resumed *jobs.Job
		b := runner(s, clk, "worker-b", func(_ context.Context, j *jobs.Job) error { resumed = j; return nil })
		if n := b.RunDue(ctx); n != 1 {
			t.Fatalf("the crashed job was not taken up again (%d)", n)
		}
		if resumed.Progress != "sent to 500 of 1200" || resumed.Attempt != 2 {
			t.Errorf("the second attempt (attempt %d) starts from %q, want the saved progress", resumed.Attempt, resumed.Progress)
		}
		if err := dead.SaveProgress(ctx, "sent to 600 of 1200"); !errors.Is(err, jobs.ErrLeaseLost) {
			t.Errorf("a worker that lost its job saved progress: %v", err)
		}
	})
}

// A long job of one kind (an import) does not hold up a job of another
// kind (a receipt) that falls due after it.
func TestKindsHaveTheirOwnWorkers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clk := clock.NewManual(start)
		imp := newBlocked(nil)
		defer close(imp.release)
		receipt := make(chan struct{})
		r := runner(s, clk, "w", nil)
		r.Kinds = map[string]jobs.Kind{
			"import":  {Handler: imp.run},
			"receipt": {Handler: func(context.Context, *jobs.Job) error { close(receipt); return nil }},
		}
		enqueue(t, s, clk, "import", "import-1")
		clk.Advance(time.Second)
		enqueue(t, s, clk, "receipt", "receipt-1")

		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go r.Run(ctx)
		<-imp.started
		select {
		case <-receipt:
		case <-time.After(10 * time.Second):
			t.Fatal("the receipt waited behind the import")
		}
	})
}

// When Run's context ends, a job still running is cancelled once Drain
// has passed, and Run returns.
func TestShutdownCancelsJobsAfterDrain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clk := clock.NewManual(start)
		started := make(chan struct{})
		r := runner(s, clk, "w", func(ctx context.Context, _ *jobs.Job) error {
			close(started)
			<-ctx.Done() // a job that would never end
			return ctx.Err()
		})
		r.Drain = 20 * time.Millisecond
		enqueue(t, s, clk, "work", "endless")
		ctx, stop := context.WithCancel(context.Background())
		returned := make(chan struct{})
		go func() { r.Run(ctx); close(returned) }()
		<-started
		stop()
		select {
		case <-returned:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after Drain")
		}
		if j, done := jobByKey(t, s, "endless"); done || j.LastError == "" {
			t.Errorf("a cancelled job: done %v, last error %q; want it left to retry", done, j.LastError)
		}
	})
}

// RunKey runs one job by its key at once, due or not, with the handler
// given; it refuses while another worker's lease holds the job, and finds
// nothing once the job is done.
func TestRunKeyRunsOneJobByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(start)
		if _, err := s.EnqueueJob(ctx, "work", "later", "p", clk.Now().Add(24*time.Hour), clk.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimJobByKey(ctx, "later", "dead-process", clk.Now(), time.Minute); err != nil {
			t.Fatal(err)
		}
		var ran atomic.Int32
		r := runner(s, clk, "by-hand", func(context.Context, *jobs.Job) error { ran.Add(1); return nil })
		handler := func(_ context.Context, j *jobs.Job) error {
			if j.Payload != "p" {
				t.Errorf("payload %q", j.Payload)
			}
			ran.Add(10)
			return nil
		}
		if err := r.RunKey(ctx, "later", handler); !errors.Is(err, jobs.ErrJobLeased) {
			t.Fatalf("while another lease holds: %v, want ErrJobLeased", err)
		}
		clk.Advance(61 * time.Second)
		if err := r.RunKey(ctx, "later", handler); err != nil {
			t.Fatal(err)
		}
		if _, done := jobByKey(t, s, "later"); !done || ran.Load() != 10 {
			t.Fatalf("done=%v ran=%d: want done by the given handler, once", done, ran.Load())
		}
		if err := r.RunKey(ctx, "later", handler); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a done job: %v, want ErrNotFound", err)
		}
		if err := r.RunKey(ctx, "no-such-job", handler); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no such job: %v, want ErrNotFound", err)
		}
	})
}
