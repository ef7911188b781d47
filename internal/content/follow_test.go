package content

import (
	"context"
	"slices"
	"testing"
	"time"
)

// memLog is a change log in memory whose entries can be committed in any
// order, as concurrent transactions on PostgreSQL commit.
type memLog struct{ committed map[int64]Change }

func (l *memLog) commit(seqs ...int64) {
	for _, seq := range seqs {
		l.committed[seq] = Change{Seq: seq, Kind: Saved, Slug: "s"}
	}
}

func (l *memLog) sorted() []Change {
	var out []Change
	for _, c := range l.committed {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Change) int { return int(a.Seq - b.Seq) })
	return out
}

func (l *memLog) LastChange(context.Context) (int64, error) {
	var last int64
	for seq := range l.committed {
		last = max(last, seq)
	}
	return last, nil
}

func (l *memLog) ChangesAfter(_ context.Context, seq int64, limit int) ([]Change, error) {
	var out []Change
	for _, c := range l.sorted() {
		if c.Seq > seq && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (l *memLog) ChangesAt(_ context.Context, seqs []int64) ([]Change, error) {
	var out []Change
	for _, c := range l.sorted() {
		if slices.Contains(seqs, c.Seq) {
			out = append(out, c)
		}
	}
	return out, nil
}

func passed(t *testing.T, f *Follower) []int64 {
	t.Helper()
	var seqs []int64
	if err := f.Next(context.Background(), func(page []Change) {
		for _, c := range page {
			seqs = append(seqs, c.Seq)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// A follower passes on each change once, whatever order the numbers
// commit in: a change committed before start-up is not passed on, one
// that took its number before start-up and commits after it is; a number
// never committed (a rolled-back save) is waited for holeWait, then given up.
func TestChangeFollowerFillsHolesOnceAndGivesUp(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log := &memLog{committed: map[int64]Change{}}
	log.commit(1, 2, 4) // 3 is in flight at start-up
	f, err := NewFollower(context.Background(), log, 2, clock)
	if err != nil {
		t.Fatal(err)
	}
	if got := passed(t, f); len(got) != 0 {
		t.Fatalf("passed on %v from before start-up", got)
	}
	log.commit(6, 7, 8, 3) // 5 never commits
	if got := passed(t, f); !slices.Equal(got, []int64{3, 6, 7, 8}) {
		t.Errorf("passed on %v, want [3 6 7 8]", got)
	}
	if f.Holes() != 1 {
		t.Errorf("waiting for %d numbers, want 1 (5)", f.Holes())
	}
	now = now.Add(holeWait / 2)
	log.commit(5)
	if got := passed(t, f); !slices.Equal(got, []int64{5}) {
		t.Errorf("passed on %v, want the late 5", got)
	}
	log.commit(10)
	passed(t, f)
	now = now.Add(holeWait + time.Second)
	log.commit(9) // committed too late to be waited for
	if got := passed(t, f); len(got) != 0 || f.Holes() != 0 {
		t.Errorf("passed on %v and waits for %d numbers after holeWait, want nothing", got, f.Holes())
	}
}

// A rolled-back import leaves thousands of numbers unused: the follower
// waits for at most maxHoles of them, the highest.
func TestChangeFollowerBoundsTheHoles(t *testing.T) {
	log := &memLog{committed: map[int64]Change{}}
	f, err := NewFollower(context.Background(), log, 100, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	log.commit(5000, 9000)
	if got := passed(t, f); !slices.Equal(got, []int64{5000, 9000}) {
		t.Fatalf("passed on %v", got)
	}
	if f.Holes() != maxHoles {
		t.Errorf("waiting for %d numbers, want %d", f.Holes(), maxHoles)
	}
	log.commit(8999, 10)
	if got := passed(t, f); !slices.Equal(got, []int64{8999}) {
		t.Errorf("passed on %v, want 8999 only", got)
	}
}
