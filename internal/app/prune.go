package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"broadsheet/internal/config"
	"broadsheet/internal/meter"
	"broadsheet/internal/store"
)

// pruneEvery is how often an instance prunes: old rows do no harm for an
// hour, and a prune that finds nothing still reads every table's index.
const pruneEvery = time.Hour

// pruneBatch is the most rows one statement deletes, so that a backlog
// never holds the database's write lock for long.
const pruneBatch = 5000

// pruner deletes, at most once an hour, what the retention settings no
// longer keep. Several instances on one PostgreSQL database each prune;
// the deletes are idempotent.
type pruner struct {
	store    *store.Store
	now      func() time.Time
	location func() *time.Location // the publication's, which decides when a month starts
	retain   func() config.Retention
	log      *slog.Logger

	mu   sync.Mutex
	last time.Time // when this instance last pruned; zero before the first
}

// run prunes if an hour has passed since this instance last did.
func (p *pruner) run(ctx context.Context) error {
	if !p.mu.TryLock() {
		return nil // already pruning
	}
	defer p.mu.Unlock()
	now := p.now()
	if !p.last.IsZero() && now.Before(p.last.Add(pruneEvery)) {
		return nil
	}
	// An hour until the next try even if this one fails: a failing prune
	// must not retry on every poll.
	p.last = now
	pruned, err := p.store.Prune(ctx, pruneBefore(now, p.location(), p.retain()), pruneBatch)
	var total int64
	for _, n := range pruned {
		total += n
	}
	if total > 0 {
		p.log.Info("pruned old rows", "rows", total, "by_table", map[string]int64(pruned))
	}
	return err
}

// pruneBefore turns the retention settings into what is old enough to
// delete at now.
func pruneBefore(now time.Time, loc *time.Location, r config.Retention) store.PruneBefore {
	var b store.PruneBefore
	if r.MeterMonths > 0 {
		// The meter's months are calendar months in the publication's time
		// zone: count back from the first day of this one there.
		local := now.In(loc)
		first := time.Date(local.Year(), local.Month()-time.Month(r.MeterMonths-1), 1, 12, 0, 0, 0, loc)
		b.MeterMonth = meter.Month(first, loc)
	}
	ago := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	b.EndedSessions = ago(r.Sessions)
	b.Links = ago(r.Links)
	b.Throttle = ago(r.Throttle)
	b.DoneJobs = ago(r.Jobs)
	b.Outbox = ago(r.Outbox)
	b.Changes = ago(changesKept)
	return b
}

// changesKept is how long the content change log is kept: every instance
// reads it within seconds and starts from its newest change: a week is ample.
const changesKept = 7 * 24 * time.Hour
