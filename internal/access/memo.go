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
}

func newMemo(size int) *memo {
	if size <= 0 {
		size = defaultMemoSize
	}
	m := &memo{seed: maphash.MakeSeed(), perShard: max(1, size/memoShards)}
	for i := range m.shards {
		m.shards[i].m = make(map[memoKey]*memoEntry)
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
	e, ok := sh.m[k]
	if !ok {
		if !known {
			// A read of k now in flight may predate this claim.
			sh.gen++
			return
		}
		e = &memoEntry{}
		sh.insert(k, e, m.perShard)
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
