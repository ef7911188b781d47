package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Task is periodic work: finding what has fallen due and enqueuing a job
// for it (idempotently, by key), or refreshing what this process keeps in
// memory.
type Task struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Scheduler runs each task at once and then every Every, each on its own
// goroutine. A run that takes longer than Every delays the task's next run
// only: the ticker drops the ticks it missed.
type Scheduler struct {
	Tasks []Task
	Log   *slog.Logger
}

// Run runs the tasks until ctx ends and returns when every task has
// stopped.
func (s *Scheduler) Run(ctx context.Context) {
	var tasks sync.WaitGroup
	for _, t := range s.Tasks {
		tasks.Go(func() {
			tick := time.NewTicker(t.Every)
			defer tick.Stop()
			for ctx.Err() == nil {
				s.run(ctx, t)
				select {
				case <-ctx.Done():
				case <-tick.C:
				}
			}
		})
	}
	tasks.Wait()
}

// RunOnce runs every task once, one after another. Tests use it to step
// time.
func (s *Scheduler) RunOnce(ctx context.Context) {
	for _, t := range s.Tasks {
		s.run(ctx, t)
	}
}

func (s *Scheduler) run(ctx context.Context, t Task) {
	if err := t.Run(ctx); err != nil && ctx.Err() == nil {
		s.Log.Error("scheduled task failed", "task", t.Name, "err", err)
	}
}
