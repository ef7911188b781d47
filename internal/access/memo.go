package access

import (
	"hash/maphash"
	"slices"
	"sync"
)

// The meter's facts only grow within a month: a story counted stays counted
// (the store never takes back a committed read), a month never reopens, and
// merging a device into an account only adds stories. So what the database
// once confirmed about a meter stays true for the rest of the month, and the
// service keeps it in memory to decide most views without a read. What is
// remembered is always a subset of the truth: it may miss stories counted
// since, never hold one that is not counted.
//
// A service that is the store's only writer (Service.Exclusive) also
// decides a returning reader's new story in memory: when the meter's entry
// is complete, the story is reserved on the meter and written with
// RecordRead, which raises the count without asking the database whether
// it may. A reservation is not a fact. Reserved stories (pending) are kept
// in the meter's flight, apart from its entry: they are never in an
// entry's ids, never make a story counted or raise used, and only count
// toward the limit when the next story is reserved. A reserved story joins
// the ids once RecordRead has committed it; if RecordRead fails, the
// reservation is dropped and the entry forgotten, since the write may have
// committed all the same.
//
// That is exact because, on the only writer, every write of a meter is in
// its flight from before it reaches the database until its outcome is in
// the memo (or the entry is gone and the generation moved on); a new
// reader's first read is not written at all (it is carried in their
// signed id, see readertoken.go, and counted like any story when they
// return). So a complete entry of a meter with no claim or merge in flight holds every
// story counted in the database but those pending, and holds no story
// that is not counted:
//
//	ids ⊆ counted ⊆ ids ∪ pending
//
// Hence a story is reserved only while len(ids)+len(pending) < limit, no
// ClaimRead or merge of the meter is in flight (they write what the
// entry does not show), and the story is not pending already (a second
// request for it waits for the first). A ClaimRead of a meter waits until
// none of its stories is pending: its conditional raise cannot see them.
// Flights are not entries, so neither forgetting an entry (a merge) nor
// evicting one to make room forgets a reservation: a meter read again
// while a story is pending is still held to it.

const (
	memoShards = 64
	// defaultMemoSize bounds how many meters (reader and month) are
	// remembered: readers active in the last minutes, at about 200 bytes
	// each, 10 MB. A reader forgotten costs one read when they return.
	defaultMemoSize = 50_000
)

type memoKey struct{ reader, month string }

type memoEntry struct {
	ids  []int64 // stories confirmed counted
	used int     // the highest count the database reported
}

// meterState is what a decision knows about one meter and one story.
type meterState struct {
	counted bool // the story is counted this month
	used    int  // stories counted this month, at least
	// complete: every story counted as of the highest count reported is
	// known, so a story missing from the entry was not counted then.
	complete bool
	loaded   bool // just read from the database
}

// memo is the remembered meters, in shards so that readers on different
// meters rarely wait for each other.
type memo struct {
	seed     maphash.Seed
	perShard int
	shards   [memoShards]memoShard
}

type memoShard struct {
	mu sync.Mutex
	// gen changes whenever an entry is forgotten or a fact could not be
	// recorded because its entry was gone. A read from
	// the database that started before such a change may be missing it,
	// so it is used for its own decision but not remembered.
	gen uint64
	m   map[memoKey]*memoEntry
	// flights are the writes of meters in flight, on an exclusive service.
	flights map[memoKey]*meterFlight
}

// meterFlight is what is being written to one meter.
type meterFlight struct {
	claims  int     // ClaimRead and ClaimCarried calls and merges in flight
	pending []int64 // stories reserved, being written by RecordRead
	// drained is made when a request waits for pending to empty, and
	// closed when it does.
	drained chan struct{}
}

func newMemo(size int) *memo {
	if size <= 0 {
		size = defaultMemoSize
	}
	m := &memo{seed: maphash.MakeSeed(), perShard: max(1, size/memoShards)}
	for i := range m.shards {
		m.shards[i].m = make(map[memoKey]*memoEntry)
		m.shards[i].flights = make(map[memoKey]*meterFlight)
	}
	return m
}

func (m *memo) shard(k memoKey) *memoShard {
	return &m.shards[maphash.String(m.seed, k.reader)%memoShards]
}

// get returns what is remembered of k for story id.
func (m *memo) get(k memoKey, id int64) (meterState, bool) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	if !ok {
		return meterState{}, false
	}
	return meterState{
		counted:  slices.Contains(e.ids, id),
		used:     max(len(e.ids), e.used),
		complete: len(e.ids) >= e.used,
	}, true
}

// generation is taken before reading k from the database and handed to put.
func (m *memo) generation(k memoKey) uint64 {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.gen
}

// put remembers the stories the database listed as counted for k, if
// nothing was lost or forgotten in k's shard since generation gen.
func (m *memo) put(k memoKey, ids []int64, gen uint64) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen != gen {
		return
	}
	if e, ok := sh.m[k]; ok {
		// Both are confirmed facts; together they still are.
		for _, id := range ids {
			if !slices.Contains(e.ids, id) {
				e.ids = append(e.ids, id)
			}
		}
		e.used = max(e.used, len(ids))
		return
	}
	sh.insert(k, &memoEntry{ids: slices.Clip(ids), used: len(ids)}, m.perShard)
}

// claimed records what the database answered to a claim of story id on k:
// whether it is counted, and the month's count. known says k's meter was
// empty before the claim (a new reader), so the answer is all there is.
func (m *memo) claimed(k memoKey, id int64, counted bool, used int, known bool) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.claimed(k, id, counted, used, known, m.perShard)
}

func (sh *memoShard) claimed(k memoKey, id int64, counted bool, used int, known bool, limit int) {
	e, ok := sh.m[k]
	if !ok {
		if !known {
			// A read of k now in flight may predate this claim.
			sh.gen++
			return
		}
		e = &memoEntry{}
		sh.insert(k, e, limit)
	}
	if counted && !slices.Contains(e.ids, id) {
		e.ids = append(e.ids, id)
	}
	e.used = max(e.used, used)
}

// drop forgets k.
func (m *memo) drop(k memoKey) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.m, k)
	sh.gen++
}

// insert adds an entry, making room by forgetting an arbitrary one: a
// forgotten meter costs one read when its reader comes back.
func (sh *memoShard) insert(k memoKey, e *memoEntry, limit int) {
	if len(sh.m) >= limit {
		for old := range sh.m {
			delete(sh.m, old)
			break
		}
		// A claim on the forgotten meter may already be recorded in it
		// and be missing from a read in flight.
		sh.gen++
	}
	sh.m[k] = e
}

// reservation is how a story of a complete meter was decided in memory.
type reservation int

const (
	// notReserved: the memo cannot decide (no complete entry, or a claim
	// or merge of the meter in flight); claim the story in the database.
	notReserved reservation = iota
	// reserved: the story is pending; write it with RecordRead and report
	// the outcome to recorded.
	reserved
	// reserveCounted: the story is counted already, a free re-read.
	reserveCounted
	// reserveFull: no free story is left, pending ones included.
	reserveFull
	// reserveWait: the story is pending for this meter already; decide
	// again once it is written.
	reserveWait
)

// reserve decides story id of meter k in memory, for a service that is the
// store's only writer, and reserves it if it may be counted under limit.
// used is the month's count with the story when reserved, the count
// that refused it when full.
func (m *memo) reserve(k memoKey, id int64, limit int) (r reservation, used int, wait <-chan struct{}) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	f := sh.flights[k]
	if f != nil && slices.Contains(f.pending, id) {
		return reserveWait, 0, f.waitDrained()
	}
	if f != nil && f.claims > 0 {
		return notReserved, 0, nil
	}
	e, ok := sh.m[k]
	if !ok || len(e.ids) < e.used {
		return notReserved, 0, nil
	}
	if slices.Contains(e.ids, id) {
		return reserveCounted, len(e.ids), nil
	}
	n := len(e.ids)
	if f != nil {
		n += len(f.pending)
	}
	if n >= limit {
		return reserveFull, n, nil
	}
	f = sh.flight(k)
	f.pending = append(f.pending, id)
	return reserved, n + 1, nil
}

// recorded ends the reservation of story id on k with RecordRead's
// outcome: a fact once written; else the entry is forgotten too, since a
// write reported failed may have committed.
func (m *memo) recorded(k memoKey, id int64, err error) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	f := sh.flights[k]
	if i := slices.Index(f.pending, id); i >= 0 {
		f.pending = slices.Delete(f.pending, i, i+1)
	}
	sh.settle(k, f)
	if err != nil {
		delete(sh.m, k)
		sh.gen++
		return
	}
	sh.claimed(k, id, true, 0, false, m.perShard)
}

// beginClaim registers a ClaimRead of meter k on a service that is the
// store's only writer, which holds back reservations on k until endClaim.
// While stories of k are pending it registers nothing and returns a
// channel closed when they are written: decide again then.
func (m *memo) beginClaim(k memoKey) (wait <-chan struct{}) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if f := sh.flights[k]; f != nil && len(f.pending) > 0 {
		return f.waitDrained()
	}
	sh.flight(k).claims++
	return nil
}

// endClaim records a ClaimRead's answer, as claimed, and ends it. A claim
// that failed may have committed: its entry is forgotten.
func (m *memo) endClaim(k memoKey, id int64, counted bool, used int, err error) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if err != nil {
		delete(sh.m, k)
		sh.gen++
	} else {
		sh.claimed(k, id, counted, used, false, m.perShard)
	}
	f := sh.flights[k]
	f.claims--
	sh.settle(k, f)
}

// hold holds back reservations on k while something else writes it (a
// merge), without waiting for those pending: they were decided before
// the write began. release ends it.
func (m *memo) hold(k memoKey) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.flight(k).claims++
}

func (m *memo) release(k memoKey) {
	sh := m.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	f := sh.flights[k]
	f.claims--
	sh.settle(k, f)
}

func (sh *memoShard) flight(k memoKey) *meterFlight {
	f := sh.flights[k]
	if f == nil {
		f = &meterFlight{}
		sh.flights[k] = f
	}
	return f
}

// settle wakes the requests waiting for f's pending stories once there are
// none, and forgets f once nothing of k is in flight.
func (sh *memoShard) settle(k memoKey, f *meterFlight) {
	if len(f.pending) == 0 && f.drained != nil {
		close(f.drained)
		f.drained = nil
	}
	if len(f.pending) == 0 && f.claims == 0 {
		delete(sh.flights, k)
	}
}

func (f *meterFlight) waitDrained() <-chan struct{} {
	if f.drained == nil {
		f.drained = make(chan struct{})
	}
	return f.drained
}
