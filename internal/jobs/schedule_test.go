package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/jobs"
)

// A task that hangs (a prune over a large backlog, a database that does
// not answer) does not stop another from running on its own interval.
func TestSlowTaskDoesNotDelayAnother(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	var fast atomic.Int32
	ranThrice := make(chan struct{})
	s := &jobs.Scheduler{Log: quiet, Tasks: []jobs.Task{
		{Name: "prune", Every: time.Millisecond, Run: func(ctx context.Context) error {
			select {
			case <-hang:
			case <-ctx.Done():
			}
			return nil
		}},
		{Name: "settings", Every: time.Millisecond, Run: func(context.Context) error {
			if fast.Add(1) == 3 {
				close(ranThrice)
			}
			return nil
		}},
	}}
	ctx, stop := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() { s.Run(ctx); close(returned) }()
	select {
	case <-ranThrice:
	case <-time.After(10 * time.Second):
		t.Fatalf("the settings task ran %d times while the prune hung, want it to keep running", fast.Load())
	}
	stop()
	<-returned
}
