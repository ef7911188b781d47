package access

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// facts is what the database told the service about readers' months, kept
// to decide most views without a query. It holds only facts that stay true
// as the meter grows: "this story is counted" and "the count is at least
// n", and it only adds to them. Nothing here grants a new story: only the
// store's conditional claim does. A refusal may rest on it for a moment:
// when the stories known are as many as the count known, they are the
// month's whole list, and for RefusalFreshness after the database last
// said so (by a read of the list or an answer to this service's claim) a
// story not on it is refused without a read. Claims, here or on another
// instance, stop at the limit, so a complete list at the limit goes stale
// only through a writer that does not claim (a merge at sign-in, an
// import, an admin's reset). Such a writer needs to tell the service
// nothing: a story it counts is a free re-read here at most
// RefusalFreshness later, and the worst a stale fact can do otherwise is
// send a story counted once, and since removed, as a free re-read.
type facts struct {
	seed     maphash.Seed
	perShard int
	shards   [factShards]factShard
}

// RefusalFreshness is how long the database's word that a reader's list of
// stories this month is complete may refuse a story without a read: long
// enough that a reader or a crawler paging through refusals costs one read
// a second, short enough that a story counted on another instance is a
// free re-read here before the reader can click again.
const RefusalFreshness = time.Second

const (
	factShards = 64
	// defaultFactsSize bounds how many months of readers are kept: those
	// active in the last minutes, at about 180 bytes each, 3.6 MB. A reader
	// forgotten costs one read when they return. The bound is kept small:
	// every byte here is taken from the collector's headroom under a
	// memory limit, and a fuller heap collects more often.
	defaultFactsSize = 20_000
)

type meterKey struct{ reader, month string }

type factShard struct {
	mu sync.Mutex
	m  map[meterKey]*meterFacts
}

type meterFacts struct {
	ids  []int64 // stories counted
	used int     // the count is at least this
	// complete is when the database last said ids are the month's whole
	// list: the count it gave was len(ids).
	complete time.Time
}

// known is what get returns about one reader's month.
type known struct {
	ok            bool // anything is known
	used          int  // the count is at least this
	counted       bool // the story asked for is counted
	otherCounted  bool // the other story asked about is counted
	completeFresh bool // every story counted is known, as of less than RefusalFreshness ago
}

func newFacts(size int) *facts {
	f := &facts{seed: maphash.MakeSeed(), perShard: max(1, size/factShards)}
	for i := range f.shards {
		f.shards[i].m = make(map[meterKey]*meterFacts)
	}
	return f
}

func (f *facts) shard(k meterKey) *factShard {
	return &f.shards[maphash.String(f.seed, k.reader)%factShards]
}

// get returns what is known of month k at now: the count at least, whether
// the stories id and other are counted, and whether the list of stories
// counted is known complete and fresh.
func (f *facts) get(k meterKey, id, other int64, now time.Time) known {
	sh := f.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	if !ok {
		return known{}
	}
	age := now.Sub(e.complete)
	return known{
		ok: true, used: e.used,
		counted:       slices.Contains(e.ids, id),
		otherCounted:  other != 0 && slices.Contains(e.ids, other),
		completeFresh: len(e.ids) == e.used && !e.complete.IsZero() && age >= 0 && age < RefusalFreshness,
	}
}

// learn adds what the database answered at now for month k: its count was
// used, and the stories ids are counted. When that makes the stories known
// as many as that count, the list is complete as of now.
func (f *facts) learn(k meterKey, used int, ids []int64, now time.Time) {
	sh := f.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	if !ok {
		if len(sh.m) >= f.perShard {
			// Make room by forgetting any month: forgetting a fact is
			// always safe, it costs a read.
			for old := range sh.m {
				delete(sh.m, old)
				break
			}
		}
		e = &meterFacts{}
		sh.m[k] = e
	}
	e.used = max(e.used, used)
	for _, id := range ids {
		if id != 0 && !slices.Contains(e.ids, id) {
			e.ids = append(e.ids, id)
		}
	}
	if len(e.ids) == used && used == e.used && now.After(e.complete) {
		e.complete = now
	}
}
