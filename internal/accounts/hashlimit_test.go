package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestHashLimiterBoundsHashesAtOnce(t *testing.T) {
	l := NewHashLimiter(2, 20*time.Millisecond)
	release := make(chan struct{})
	var started, done sync.WaitGroup
	for range 2 {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			if err := l.run(context.Background(), func() { started.Done(); <-release }); err != nil {
				t.Error(err)
			}
		}()
	}
	started.Wait()
	// Both turns are taken: a third hash is turned away, not queued.
	if err := l.run(context.Background(), func() { t.Error("a third hash ran") }); !errors.Is(err, ErrBusy) {
		t.Errorf("third hash: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.run(ctx, func() { t.Error("a hash ran for a request that had gone") }); !errors.Is(err, ErrBusy) {
		t.Errorf("gone request: %v, want ErrBusy", err)
	}
	close(release)
	done.Wait()
	if _, err := l.Hash(context.Background(), "a password"); err != nil {
		t.Errorf("with turns free: %v", err)
	}
	if s := l.Stats(); s.Limit != 2 || s.Peak != 2 || s.Total != 3 {
		t.Errorf("stats %+v, want limit 2, peak 2, total 3", s)
	}
}

func TestHashLimiterDefaultAndNil(t *testing.T) {
	if got := NewHashLimiter(0, HashWait).Stats().Limit; got != DefaultHashConcurrency {
		t.Errorf("default limit %d, want %d", got, DefaultHashConcurrency)
	}
	var none *HashLimiter
	h, err := none.Hash(context.Background(), "a password")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := none.Check(context.Background(), h, "a password"); !ok || err != nil {
		t.Errorf("check without a limiter: %v %v", ok, err)
	}
}
