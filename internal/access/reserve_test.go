package access

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// gatedMeter is a fake store whose RecordRead and MergeReads wait until
// released, so a test can decide while they are in flight.
func gatedMeter() *fakeMeter {
	f := newFakeMeter()
	f.recordGate, f.mergeGate = make(chan struct{}), make(chan struct{})
	f.started = make(chan string, 16)
	return f
}

// warm has the exclusive service s count story 1 for reader and remember
// their meter, with f's gates open.
func warm(t *testing.T, s *Service, f *fakeMeter, v Viewer, lim int) {
	t.Helper()
	gate := f.recordGate
	f.recordGate = nil
	if d, err := s.Decide(context.Background(), v, metered(1), limit(lim)); err != nil || !d.Granted {
		t.Fatalf("story 1: %+v, %v", d, err)
	}
	f.recordGate = gate
}

// probe is the context of a decision made while a write is held: one that
// wrongly waits for the write fails instead of hanging.
func probe(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type result struct {
	d   Decision
	err error
}

// decideLater runs Decide in the background.
func decideLater(s *Service, v Viewer, story int64, lim int) <-chan result {
	out := make(chan result, 1)
	go func() {
		d, err := s.Decide(context.Background(), v, metered(story), limit(lim))
		out <- result{d, err}
	}()
	return out
}

func wantStarted(t *testing.T, f *fakeMeter, what string) {
	t.Helper()
	select {
	case got := <-f.started:
		if got != what {
			t.Fatalf("started %q, want %q", got, what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%q never started", what)
	}
}

func wantGranted(t *testing.T, r <-chan result, granted bool, used int) {
	t.Helper()
	select {
	case got := <-r:
		if got.err != nil || got.d.Granted != granted || got.d.Used != used {
			t.Errorf("Decide = %+v, %v; want granted=%v, %d used", got.d, got.err, granted, used)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Decide never returned")
	}
}

func TestDecideExclusiveRecordsAReturningReadersNewStory(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	warm(t, s, f, reader, 3)
	d, err := s.Decide(context.Background(), reader, metered(2), limit(3))
	if err != nil || !d.Granted || d.Used != 2 || d.Remaining != 1 {
		t.Fatalf("second story: %+v, %v; want granted, 2 used, 1 left", d, err)
	}
	if set := f.sets["a:r1 2026-11"]; !sameSet(set, 1, 2) {
		t.Errorf("counted %v, want 1, 2", set)
	}
	// Remembered once written: a re-read of it, the next story (decided
	// in memory, then written) and one past the limit are decided without
	// reading or claiming in the database, which is what the memo is for,
	// so those calls are what is checked.
	wantFromMemory(t, s, f, reader, 2, true, 2)
	wantFromMemory(t, s, f, reader, 3, true, 3)
	wantFromMemory(t, s, f, reader, 4, false, 3)
}

// wantFromMemory has s decide story for v and checks the decision, and
// that it was made without reading or claiming in the store: a decision
// the memo exists to make without the database.
func wantFromMemory(t *testing.T, s *Service, f *fakeMeter, v Viewer, story int64, granted bool, used int) {
	t.Helper()
	before := f.calls()
	d, err := s.Decide(context.Background(), v, metered(story), limit(3))
	if err != nil || d.Granted != granted || d.Used != used {
		t.Errorf("story %d: %+v, %v; want granted=%v, %d used", story, d, err, granted, used)
	}
	if got := f.calls().minus(before); got.reads+got.claims != 0 {
		t.Errorf("story %d: %+v; want it decided without reading or claiming in the database", story, got)
	}
}

// On a shared database every new story is decided there: another
// instance counting a story behind this one's back is honoured at once,
// though the meter is remembered.
func TestDecideSharedDatabaseStillClaims(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }}
	for id := range int64(2) {
		if d, err := s.Decide(context.Background(), reader, metered(id+1), limit(3)); err != nil || !d.Granted || d.Used != int(id)+1 {
			t.Fatalf("story %d: %+v, %v", id+1, d, err)
		}
	}
	f.count("a:r1", "2026-11", 9)
	d, err := s.Decide(context.Background(), reader, metered(3), limit(3))
	if err != nil || d.Granted || d.Used != 3 {
		t.Errorf("story 3 after another instance counted story 9: %+v, %v; want refused, 3 used", d, err)
	}
	if set := f.sets["a:r1 2026-11"]; !sameSet(set, 1, 2, 9) {
		t.Errorf("counted %v, want 1, 2, 9", set)
	}
}

// Stories being written count toward the limit: with two of three
// reserved and one counted, a fourth is refused without the database.
func TestDecidePendingReadsCountTowardTheLimit(t *testing.T) {
	f := gatedMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	warm(t, s, f, reader, 3)
	r2 := decideLater(s, reader, 2, 3)
	wantStarted(t, f, "record 2")
	r3 := decideLater(s, reader, 3, 3)
	wantStarted(t, f, "record 3")
	// Refused from memory: the only writer's remembered meter is final,
	// so the refusal needs no database, which is what the calls check.
	before := f.calls()
	d, err := s.Decide(probe(t), reader, metered(4), limit(3))
	if err != nil || d.Granted || d.Used != 3 || d.Remaining != 0 {
		t.Errorf("fourth story with two pending: %+v, %v; want refused, 3 used", d, err)
	}
	if got := f.calls().minus(before); got != (callCounts{}) {
		t.Errorf("fourth story: %+v, want it refused without the database", got)
	}
	close(f.recordGate)
	wantGranted(t, r2, true, 2)
	wantGranted(t, r3, true, 3)
	if set := f.sets["a:r1 2026-11"]; !sameSet(set, 1, 2, 3) {
		t.Errorf("counted %v, want 1, 2, 3", set)
	}
}

// A second request for a story being written waits for it and reads it
// free, and the story is counted once.
func TestDecideSameStoryPendingWaits(t *testing.T) {
	f := gatedMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	warm(t, s, f, reader, 2)
	first := decideLater(s, reader, 2, 2)
	wantStarted(t, f, "record 2")
	// A request whose context has already ended is still answered when
	// the answer is known (story 1, counted)...
	gone, leave := context.WithCancel(context.Background())
	leave()
	if d, err := s.Decide(gone, reader, metered(1), limit(2)); err != nil || !d.Granted || d.Used != 1 {
		t.Fatalf("a counted story on an ended context: %+v, %v; want granted, 1 used", d, err)
	}
	// ...but not for story 2 while it is being written: it waits for the
	// write, and so gets its context's error instead of an answer.
	if d, err := s.Decide(gone, reader, metered(2), limit(2)); !errors.Is(err, context.Canceled) {
		t.Errorf("story 2 while it is written: %+v, %v; want it to wait for the write", d, err)
	}
	second := decideLater(s, reader, 2, 2)
	close(f.recordGate)
	wantGranted(t, first, true, 2)
	wantGranted(t, second, true, 2)
	if set := f.sets["a:r1 2026-11"]; !sameSet(set, 1, 2) {
		t.Errorf("counted %v, want 1, 2", set)
	}
}

// A failed write frees its slot and forgets the meter: the write may
// have committed, so the next story reads the meter again.
func TestDecideFailingRecordReadFreesTheSlot(t *testing.T) {
	for _, committed := range []bool{false, true} {
		name := "not written"
		if committed {
			name = "written all the same"
		}
		t.Run(name, func(t *testing.T) {
			f := newFakeMeter()
			s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
			warm(t, s, f, reader, 2)
			broken := errors.New("database gone")
			f.recordErr, f.recordCommits = broken, committed
			if _, err := s.Decide(context.Background(), reader, metered(2), limit(2)); !errors.Is(err, broken) {
				t.Fatalf("Decide = %v, want the write's error", err)
			}
			f.recordErr = nil
			d, err := s.Decide(context.Background(), reader, metered(3), limit(2))
			if err != nil || d.Granted != !committed || d.Used != 2 {
				t.Errorf("next story: %+v, %v; want granted=%v, 2 used", d, err, !committed)
			}
			want := []int64{1, 3}
			if committed {
				want = []int64{1, 2}
			}
			if set := f.sets["a:r1 2026-11"]; !sameSet(set, want...) {
				t.Errorf("counted %v, want %v", set, want)
			}
		})
	}
}

// While a merge into the account is in flight, the account's new stories
// are claimed in the database, which sees what the merge added: the
// remembered meter does not.
func TestDecideMergeHoldsBackReservations(t *testing.T) {
	f := gatedMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	account := Viewer{AnonID: "d1", AccountID: 7}
	warm(t, s, f, account, 2)
	f.count("a:d1", "2026-11", 5)
	merged := make(chan error, 1)
	go func() { merged <- s.MergeDevice(context.Background(), "d1", CarriedRead{}, 7, "2026-11") }()
	// The merge has committed but not returned.
	wantStarted(t, f, "merge")
	d, err := s.Decide(probe(t), account, metered(3), limit(2))
	if err != nil || d.Granted || d.Used != 2 {
		t.Errorf("a new story during the merge: %+v, %v; want refused, 2 used", d, err)
	}
	close(f.mergeGate)
	if err := <-merged; err != nil {
		t.Fatal(err)
	}
	if set := f.sets["u:7 2026-11"]; !sameSet(set, 1, 5) {
		t.Errorf("the account counted %v, want 1, 5", set)
	}
}

// A story being written still counts when its meter is forgotten (a merge)
// or evicted and read again before the write commits.
func TestDecidePendingReadOutlivesItsEntry(t *testing.T) {
	account := Viewer{AnonID: "d1", AccountID: 7}
	k := memoKey{"u:7", "2026-11"}
	cases := []struct {
		name   string
		forget func(t *testing.T, s *Service, f *fakeMeter)
	}{
		{"forgotten by a merge", func(t *testing.T, s *Service, f *fakeMeter) {
			f.mergeGate = nil
			if err := s.MergeDevice(context.Background(), "d1", CarriedRead{}, 7, "2026-11"); err != nil {
				t.Fatal(err)
			}
		}},
		{"evicted", func(t *testing.T, s *Service, f *fakeMeter) {
			sh := s.memo().shard(k)
			for i := 0; sh.m[k] != nil; i++ {
				other := memoKey{"a:" + time.Duration(i).String(), "2026-11"}
				if s.memo().shard(other) == sh {
					s.memo().put(other, nil, s.memo().generation(other))
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := gatedMeter()
			s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true, memoSize: memoShards}
			warm(t, s, f, account, 2)
			r2 := decideLater(s, account, 2, 2)
			wantStarted(t, f, "record 2")
			c.forget(t, s, f)
			if _, ok := s.memo().get(k, 1); ok {
				t.Fatal("the meter is still remembered")
			}
			// Read again: the database does not have story 2 yet.
			d, err := s.Decide(probe(t), account, metered(3), limit(2))
			if err != nil || d.Granted || d.Used != 2 {
				t.Errorf("a new story with one pending: %+v, %v; want refused, 2 used", d, err)
			}
			close(f.recordGate)
			wantGranted(t, r2, true, 2)
			if set := f.sets["u:7 2026-11"]; !sameSet(set, 1, 2) {
				t.Errorf("counted %v, want 1, 2", set)
			}
		})
	}
}

func sameSet(got []int64, want ...int64) bool {
	g := slices.Clone(got)
	slices.Sort(g)
	return slices.Equal(g, want)
}

// On the only writer a claim in the database that failed may have
// committed all the same: its meter is forgotten, so no story is decided
// in memory on a count that may be short.
func TestDecideExclusiveFailingClaimForgetsTheMeter(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	warm(t, s, f, reader, 5)
	k := memoKey{"a:r1", "2026-11"}
	// A count reported past the stories known: the next story is claimed
	// in the database.
	s.memo().claimed(k, 9, false, 2, false)
	broken := errors.New("database gone")
	f.claimErr = broken
	if _, err := s.Decide(context.Background(), reader, metered(2), limit(5)); !errors.Is(err, broken) {
		t.Fatalf("Decide = %v, want the claim's error", err)
	}
	if _, ok := s.memo().get(k, 1); ok {
		t.Error("the meter of a failed claim is still remembered")
	}
}
