package access

import (
	"hash/maphash"
	"slices"
	"sync"
)

// facts is what the database told the service about readers' months, kept
// to decide most views without a query. It holds only facts that stay true
// as the meter grows: "this story is counted" and "the count is at least
// n". Nothing here grants a new story (only the store's conditional claim
// does) or refuses one (a refusal is read from the database first), so
// another writer of the meter (another instance, a merge, an import) needs
// to tell the service nothing: the worst a stale fact can do is send a
// story counted once, and since removed, as a free re-read.
type facts struct {
	seed     maphash.Seed
	perShard int
	shards   [factShards]factShard
}

const (
	factShards = 64
	// defaultFactsSize bounds how many months of readers are kept: those
	// active in the last minutes, at about 200 bytes each, 10 MB. A reader
	// forgotten costs one read when they return.
	defaultFactsSize = 50_000
)

type meterKey struct{ reader, month string }

type factShard struct {
	mu sync.Mutex
	m  map[meterKey]*meterFacts
}

type meterFacts struct {
	ids  []int64 // stories counted
	used int     // the count is at least this
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

// get returns what is known of month k: whether anything is, the count at
// least, and whether the stories id and other are counted.
func (f *facts) get(k meterKey, id, other int64) (known bool, used int, counted, otherCounted bool) {
	sh := f.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	if !ok {
		return false, 0, false, false
	}
	return true, e.used, slices.Contains(e.ids, id), other != 0 && slices.Contains(e.ids, other)
}

// learn adds what the database answered for month k: its count was used,
// and story id is counted if counted says so.
func (f *facts) learn(k meterKey, used int, id int64, counted bool) {
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
	if counted && !slices.Contains(e.ids, id) {
		e.ids = append(e.ids, id)
	}
}
