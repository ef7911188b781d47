package store_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// Sixty parallel attempts under one key each get a count of their own, so
// exactly as many see a count within a limit as the limit allows.
func TestThrottleCountsParallelAttemptsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 4, 30, 0, 123456000, time.UTC)
		const attempts, window = 60, 15 * time.Minute
		counts := make([]int, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			wg.Go(func() {
				n, opened, err := s.CountLoginAttempt(ctx, "client:192.0.2.1", now, window)
				if err != nil {
					t.Error(err)
				}
				if !opened.Equal(now) {
					t.Errorf("window opened %v, want %v", opened, now)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		sort.Ints(counts)
		for i, n := range counts {
			if n != i+1 {
				t.Fatalf("counts %v: want each of 1..%d once", counts, attempts)
			}
		}

		// Taking one back makes room for one more in the same window.
		if err := s.UncountLoginAttempt(ctx, "client:192.0.2.1", now); err != nil {
			t.Fatal(err)
		}
		later := now.Add(time.Minute)
		if n, opened, err := s.CountLoginAttempt(ctx, "client:192.0.2.1", later, window); err != nil || n != attempts || !opened.Equal(now) {
			t.Errorf("after taking one back: %d attempts since %v (%v), want %d since %v", n, opened, err, attempts, now)
		}
		// Another key has its own count.
		if n, _, err := s.CountLoginAttempt(ctx, "client:192.0.2.2", later, window); err != nil || n != 1 {
			t.Errorf("another key: %d attempts (%v), want 1", n, err)
		}
		// Once the window is over, the next attempt opens a new one.
		over := now.Add(window)
		if n, opened, err := s.CountLoginAttempt(ctx, "client:192.0.2.1", over, window); err != nil || n != 1 || !opened.Equal(over) {
			t.Errorf("after the window: %d attempts since %v (%v), want 1 since %v", n, opened, err, over)
		}
		// Taking back from a window that is over leaves the new one alone.
		if err := s.UncountLoginAttempt(ctx, "client:192.0.2.1", now); err != nil {
			t.Fatal(err)
		}
		if err := s.ClearLoginAttempts(ctx, "client:192.0.2.2"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.CountLoginAttempt(ctx, "client:192.0.2.1", over, window); n != 2 {
			t.Errorf("the new window counts %d, want 2", n)
		}
		if n, _, _ := s.CountLoginAttempt(ctx, "client:192.0.2.2", over, window); n != 1 {
			t.Errorf("a cleared key counts %d, want 1", n)
		}
	})
}
