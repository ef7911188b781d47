package content

import (
	"context"
	"sort"
	"sync"
	"time"
)

// ChangeLog is where the content change log is read.
type ChangeLog interface {
	// LastChange returns the number of the newest change, 0 if none.
	LastChange(ctx context.Context) (int64, error)
	// ChangesAfter returns up to limit changes numbered above seq, in order.
	ChangesAfter(ctx context.Context, seq int64, limit int) ([]Change, error)
	// ChangesAt returns those of the changes numbered seqs that exist, in order.
	ChangesAt(ctx context.Context, seqs []int64) ([]Change, error)
}

const (
	// holeWait is how long a number skipped in the log is asked for again:
	// far longer than a story's save takes to commit.
	holeWait = time.Minute
	// maxHoles bounds the numbers asked for again (a rolled-back import
	// leaves one per story); past it the lowest are given up.
	maxHoles = 1000
	// startBack is how far below the newest change a new follower looks
	// for holes, so that a change that took its number before start-up
	// and commits after it is still passed on.
	startBack = 1000
)

// Follower reads the change log in order for one consumer, remembering
// the last change it passed on.
type Follower struct {
	log   ChangeLog
	limit int
	now   func() time.Time

	mu   sync.Mutex // one Next at a time
	last int64
	// PostgreSQL may commit a change after one numbered above it, so a number skipped on
	// the way up is a hole, asked for again on each Next until it appears or holeWait passes.
	holes map[int64]time.Time // number → when it was first missed
}

// NewFollower returns a follower of log that passes on the changes made
// from now on, reading them in pages of limit.
func NewFollower(ctx context.Context, log ChangeLog, limit int, now func() time.Time) (*Follower, error) {
	last, err := log.LastChange(ctx)
	if err != nil {
		return nil, err
	}
	f := &Follower{log: log, limit: max(limit, 1), now: now, last: max(last-startBack, 0), holes: map[int64]time.Time{}}
	// What is there now needs no passing on (a consumer starts empty),
	// but a number missing below the newest may yet commit.
	recent, err := log.ChangesAfter(ctx, f.last, startBack)
	if err != nil {
		return nil, err
	}
	f.advance(recent)
	for seq := f.last + 1; seq <= last; seq++ {
		f.holes[seq] = now()
	}
	f.last = max(f.last, last)
	return f, nil
}

// Next passes to apply, page by page and in order, the changes committed
// since the last call, and the late ones that fill earlier holes. A
// change is passed on once.
func (f *Follower) Next(ctx context.Context, apply func([]Change)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fillHoles(ctx, apply); err != nil {
		return err
	}
	for {
		page, err := f.log.ChangesAfter(ctx, f.last, f.limit)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		f.advance(page)
		apply(page)
		if len(page) < f.limit {
			return nil
		}
	}
}

// advance moves past page, noting the numbers it skips as holes.
func (f *Follower) advance(page []Change) {
	now := f.now()
	for _, c := range page {
		for seq := max(f.last+1, c.Seq-maxHoles); seq < c.Seq; seq++ {
			f.holes[seq] = now
		}
		f.last = max(f.last, c.Seq)
	}
	f.trimHoles()
}

// fillHoles passes on the changes that have appeared in holes, and gives
// up the holes waited on long enough.
func (f *Follower) fillHoles(ctx context.Context, apply func([]Change)) error {
	if len(f.holes) == 0 {
		return nil
	}
	cutoff := f.now().Add(-holeWait)
	seqs := make([]int64, 0, len(f.holes))
	for seq, at := range f.holes {
		if at.Before(cutoff) {
			delete(f.holes, seq)
			continue
		}
		seqs = append(seqs, seq)
	}
	if len(seqs) == 0 {
		return nil
	}
	found, err := f.log.ChangesAt(ctx, seqs)
	if err != nil {
		return err
	}
	for _, c := range found {
		delete(f.holes, c.Seq)
	}
	if len(found) > 0 {
		apply(found)
	}
	return nil
}

func (f *Follower) trimHoles() {
	if len(f.holes) <= maxHoles {
		return
	}
	seqs := make([]int64, 0, len(f.holes))
	for seq := range f.holes {
		seqs = append(seqs, seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for _, seq := range seqs[:len(seqs)-maxHoles] {
		delete(f.holes, seq)
	}
}

// Holes reports how many skipped numbers the follower still waits for.
func (f *Follower) Holes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.holes)
}
