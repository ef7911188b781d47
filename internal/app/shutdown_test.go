package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/jobs"
)

// When the process is told to stop while a job runs, Run returns only
// after the job has finished and been recorded as done: a receipt half
// sent or a renewal half charged is not abandoned to wait out its lease.
func TestShutdownWaitsForTheJobInFlight(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Addr: "127.0.0.1:0", DataDir: dir, DatabaseURL: "sqlite://" + filepath.Join(dir, "broadsheet.db"),
		BaseURL: "http://127.0.0.1", Secret: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	clk := clock.NewManual(time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC))
	a, err := New(context.Background(), cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	started := make(chan struct{})
	var finished atomic.Bool
	a.Jobs.Kinds["slow"] = jobs.Kind{Handler: func(jobCtx context.Context, _ *jobs.Job) error {
		close(started)
		<-ctx.Done()                       // the process is told to stop…
		time.Sleep(200 * time.Millisecond) // …while the job still has work to do
		finished.Store(jobCtx.Err() == nil)
		return jobCtx.Err()
	}}
	if _, err := a.Store.EnqueueJob(ctx, "slow", "slow-1", "", clk.Now(), clk.Now()); err != nil {
		t.Fatal(err)
	}
	returned := make(chan error)
	go func() { returned <- a.Run(ctx, nil) }()
	<-started
	stop()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Run returned while a job was still running")
	}
	if _, done, err := a.Store.JobByKey(context.Background(), "slow-1"); err != nil || !done {
		t.Fatalf("after shutdown the job is done: %v (%v), want done", done, err)
	}
}
