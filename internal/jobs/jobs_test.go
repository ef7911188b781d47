package jobs_test

import (
	"context"
	"errors"
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

func runner(s *store.Store, clk *clock.Manual, name string, h jobs.Handler) *jobs.Runner {
	return &jobs.Runner{
		Store: s, Now: clk.Now, Worker: name, Lease: time.Minute,
		Handlers: map[string]jobs.Handler{"work": h},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
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

func TestEachJobRunsOnceAcrossRunners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
		const n = 40
		for i := range n {
			key := "job-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
			if _, err := s.EnqueueJob(ctx, "work", key, key, clk.Now(), clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		runs := map[string]int{}
		h := func(_ context.Context, payload string) error {
			mu.Lock()
			runs[payload]++
			mu.Unlock()
			return nil
		}
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runner(s, clk, "worker-"+string(rune('0'+w)), h).RunDue(ctx)
			}()
		}
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
		clk := clock.NewManual(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
		s.EnqueueJob(ctx, "work", "flaky", "", clk.Now(), clk.Now())
		var calls atomic.Int32
		r := runner(s, clk, "w", func(context.Context, string) error {
			if calls.Add(1) == 1 {
				return errors.New("gateway timed out")
			}
			return nil
		})
		if n := r.RunDue(ctx); n != 1 {
			t.Fatalf("first run: %d jobs, want 1", n)
		}
		job, done, err := s.JobByKey(ctx, "flaky")
		if err != nil || done || job.LastError != "gateway timed out" {
			t.Fatalf("after a failure: done=%v err=%v last_error=%q", done, err, job.LastError)
		}
		if n := r.RunDue(ctx); n != 0 {
			t.Fatalf("a failed job ran again before its backoff (%d)", n)
		}
		clk.Advance(2 * time.Minute)
		r.RunDue(ctx)
		if _, done, _ := s.JobByKey(ctx, "flaky"); !done || calls.Load() != 2 {
			t.Fatalf("retry: done=%v calls=%d", done, calls.Load())
		}

		// A process that claimed a job and died: the lease runs out and
		// another process takes the job.
		s.EnqueueJob(ctx, "work", "orphan", "", clk.Now(), clk.Now())
		if _, err := s.ClaimJob(ctx, "dead-process", clk.Now(), time.Minute); err != nil {
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
