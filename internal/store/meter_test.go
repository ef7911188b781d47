package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func seedArticles(t testing.TB, s *store.Store, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	sec, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range n {
		id, err := s.CreateArticle(ctx, &content.Article{
			Slug: "story-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Headline: "Story", Body: "One.\n\nTwo.",
			SectionID: sec, Access: content.Metered, PublishedAt: now, UpdatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// claimRead claims one story, as for a reader who carries none, and says
// whether it is counted.
func claimRead(ctx context.Context, s *store.Store, reader, month string, id int64, limit int, now time.Time) (bool, int, error) {
	counted, used, err := s.ClaimReads(ctx, reader, month, []int64{id}, limit, now)
	return err == nil && counted[0], used, err
}

func TestClaimReadRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 6)
		now := time.Now()
		step := func(what, reader, month string, id int64, limit int, wantOK bool, wantUsed int) {
			t.Helper()
			ok, used, err := claimRead(ctx, s, reader, month, id, limit, now)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if ok != wantOK || used != wantUsed {
				t.Errorf("%s: granted=%v used=%d, want %v %d", what, ok, used, wantOK, wantUsed)
			}
		}
		step("first story", "a:r1", "2026-11", ids[0], 3, true, 1)
		step("re-read under the limit", "a:r1", "2026-11", ids[0], 3, true, 1)
		step("second story", "a:r1", "2026-11", ids[1], 3, true, 2)
		step("re-read under the limit again", "a:r1", "2026-11", ids[1], 3, true, 2)
		step("third story reaches the limit", "a:r1", "2026-11", ids[2], 3, true, 3)
		step("fourth story is refused", "a:r1", "2026-11", ids[3], 3, false, 3)
		step("fourth story again is refused", "a:r1", "2026-11", ids[3], 3, false, 3)
		step("re-read at the limit", "a:r1", "2026-11", ids[1], 3, true, 3)
		step("re-read of the story reaching the limit", "a:r1", "2026-11", ids[2], 3, true, 3)
		step("next month starts afresh", "a:r1", "2026-12", ids[3], 3, true, 1)
		step("another reader is counted apart", "a:r2", "2026-11", ids[3], 3, true, 1)
		step("a lowered limit keeps counted stories", "a:r1", "2026-11", ids[0], 2, true, 3)
		step("a lowered limit refuses new ones", "a:r1", "2026-11", ids[4], 2, false, 3)
		step("no meter at all refuses new stories", "a:r1", "2026-11", ids[4], 0, false, 3)
		step("no meter at all keeps counted stories", "a:r1", "2026-11", ids[0], 0, true, 3)
		step("no meter and no reads", "a:r3", "2026-11", ids[0], 0, false, 0)
		step("a raised limit grants a new story", "a:r1", "2026-11", ids[4], 5, true, 4)
		step("re-read under a raised limit", "a:r1", "2026-11", ids[4], 5, true, 4)

		read, err := s.MeterReads(ctx, "a:r1", "2026-11")
		if err != nil || !sameIDs(read, ids[:3], ids[4]) {
			t.Errorf("MeterReads = %v, %v; want %v", read, err, []int64{ids[0], ids[1], ids[2], ids[4]})
		}
		if used, err := s.MeterUsed(ctx, "a:r1", "2026-11"); err != nil || used != 4 {
			t.Errorf("MeterUsed = %d, %v; want 4, the number of stories read", used, err)
		}
		if read, err := s.MeterReads(ctx, "a:nobody", "2026-11"); err != nil || len(read) != 0 {
			t.Errorf("MeterReads of a reader with no reads = %v, %v; want none", read, err)
		}
		if used, err := s.MeterUsed(ctx, "a:r3", "2026-11"); err != nil || used != 0 {
			t.Errorf("MeterUsed of a refused reader = %d, %v; want 0", used, err)
		}
	})
}

func TestClaimReadNeverOverGrantsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 20)
		const limit = 3
		// One story counted before the burst: its re-reads are free.
		if ok, _, err := claimRead(ctx, s, "a:racer", "2026-11", ids[0], limit, time.Now()); err != nil || !ok {
			t.Fatalf("first claim: %v, %v", ok, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := map[int64]int{}
		// 20 different stories and each one three times, all at once.
		for round := 0; round < 3; round++ {
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, used, err := claimRead(ctx, s, "a:racer", "2026-11", id, limit, time.Now())
					if err != nil {
						t.Error(err)
						return
					}
					if used < 1 || used > limit {
						t.Errorf("used = %d, want 1..%d", used, limit)
					}
					if ok {
						mu.Lock()
						granted[id]++
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		if len(granted) != limit {
			t.Fatalf("granted %d distinct stories, want exactly %d", len(granted), limit)
		}
		if granted[ids[0]] != 3 {
			t.Errorf("the story counted before was granted %d times of 3", granted[ids[0]])
		}
		used, err := s.MeterUsed(ctx, "a:racer", "2026-11")
		if err != nil || used != limit {
			t.Fatalf("MeterUsed = %d, %v; want %d", used, err, limit)
		}
		read, err := s.MeterReads(ctx, "a:racer", "2026-11")
		if err != nil || !sameIDs(read, slices.Collect(maps.Keys(granted))) {
			t.Errorf("MeterReads = %v, %v; want the granted stories %v", read, err, granted)
		}
	})
}

// Instances sharing a PostgreSQL database batch claims for the same reader
// at the same moment, each in its own order. Their batches must lock rows
// in one order: a deadlock aborts a batch, whose claims are then retried
// one by one. The server looks for deadlocks after deadlock_timeout, here
// made far shorter than a batch's wait for a lock, so that a lock cycle
// is found as one and not mistaken for a row held too long.
func TestClaimBatchesOfTwoInstancesDoNotDeadlock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bursts of concurrent claims")
	}
	url := storetest.URL(t, "postgres") + "&deadlock_timeout=5ms"
	ctx := context.Background()
	var instances [2]*store.Store
	for i := range instances {
		s, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		instances[i] = s
	}
	if timeout, err := instances[0].QueryString(ctx, `SHOW deadlock_timeout`); err != nil || timeout != "5ms" {
		t.Fatalf("deadlock_timeout = %q, %v; want 5ms", timeout, err)
	}
	ids := seedArticles(t, instances[0], 12)
	const limit = 8
	for round := range 20 {
		readers := []string{fmt.Sprintf("a:shared%02d", round), fmt.Sprintf("u:%d", round)}
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := map[string]map[int64]bool{}
		for i, s := range instances {
			// Each instance claims every story for both readers, in an
			// order of its own, all at once, so its batches hold claims of
			// both readers in arbitrary orders.
			rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
			for _, j := range rng.Perm(len(ids) * len(readers)) {
				reader, id := readers[j%len(readers)], ids[j/len(readers)]
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := claimRead(ctx, s, reader, "2026-11", id, limit, time.Now())
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if ok {
						mu.Lock()
						if granted[reader] == nil {
							granted[reader] = map[int64]bool{}
						}
						granted[reader][id] = true
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		for _, reader := range readers {
			if len(granted[reader]) != limit {
				t.Errorf("round %d, %s: granted %d distinct stories, want %d", round, reader, len(granted[reader]), limit)
			}
			if used, err := instances[1].MeterUsed(ctx, reader, "2026-11"); err != nil || used != limit {
				t.Errorf("round %d, %s: MeterUsed = %d, %v; want %d", round, reader, used, err, limit)
			}
		}
	}
	for i, s := range instances {
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("instance %d: %d claim batches failed and were retried one by one (deadlocks?)", i, n)
		}
	}
}

// A claim waiting for another instance's uncommitted claim of the same
// story finds the story counted once that commits: a free re-read, with
// the story counted once.
func TestClaimReadWaitingForAnotherInstancesClaim(t *testing.T) {
	url := storetest.URL(t, "postgres")
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := seedArticles(t, s, 2)
	if ok, _, err := claimRead(ctx, s, "a:w", "2026-11", ids[0], 5, time.Now()); err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}

	// The other instance claims ids[1] and has not committed yet.
	other, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var holder int
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE meter_counts SET n = n + 1 WHERE reader = 'a:w' AND month = '2026-11'`,
		`INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES ('a:w', '2026-11', ` + fmt.Sprint(ids[1]) + `, now())`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	type result struct {
		ok   bool
		used int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		ok, used, err := claimRead(ctx, s, "a:w", "2026-11", ids[1], 5, time.Now())
		done <- result{ok, used, err}
	}()
	// The claim must reach the lock the other transaction holds: committing
	// before it does would only make the story plainly counted.
	waitBlockedBy(t, other, holder)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !r.ok || r.used != 2 {
		t.Errorf("claim after the other instance's: granted=%v used=%d err=%v; want true 2", r.ok, r.used, r.err)
	}
	if used, err := s.MeterUsed(ctx, "a:w", "2026-11"); err != nil || used != 2 {
		t.Errorf("MeterUsed = %d, %v; want 2", used, err)
	}
}

func TestMergeReadsIsAUnion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		now := time.Now()
		for _, id := range ids[:2] {
			claimRead(ctx, s, "a:device", "2026-11", id, 10, now)
		}
		for _, id := range ids[1:3] {
			claimRead(ctx, s, "u:7", "2026-11", id, 10, now)
		}
		used, err := s.MergeReads(ctx, "a:device", "u:7", "2026-11", 0, now)
		if err != nil || used != 3 {
			t.Fatalf("MergeReads = %d, %v; want 3 (union of {0,1} and {1,2})", used, err)
		}
		read, err := s.MeterReads(ctx, "u:7", "2026-11")
		if err != nil || !sameIDs(read, ids[:3]) {
			t.Errorf("account's reads = %v, %v; want %v: a story read on the device counts for the account", read, err, ids[:3])
		}
	})
}

// A first read the device's signed id carries is merged into the account
// with the device's counted stories, once, however often the device signs
// in with it.
func TestMergeReadsCountsTheCarriedReadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		now := time.Now()
		claimRead(ctx, s, "a:device", "2026-11", ids[1], 10, now)
		claimRead(ctx, s, "u:7", "2026-11", ids[2], 10, now)
		for range 2 {
			used, err := s.MergeReads(ctx, "a:device", "u:7", "2026-11", ids[0], now)
			if err != nil || used != 3 {
				t.Fatalf("MergeReads = %d, %v; want 3 (the carried story, the device's and the account's)", used, err)
			}
		}
		wantMeter(t, s, "u:7", "2026-11", 3, ids[:3]...)
		// The device's own meter is not touched: its id still carries
		// the story, counted there when it reads on anonymously.
		wantMeter(t, s, "a:device", "2026-11", 1, ids[1])
	})
}

// sameIDs reports whether got holds exactly the ids of want and more, in
// any order.
func sameIDs(got []int64, want []int64, more ...int64) bool {
	w := append(slices.Clone(want), more...)
	g := slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	return slices.Equal(g, w)
}

// MeterList gives a reader's month whole: the count and every story
// counted, nothing for a month with none, and no other reader's or
// month's stories.
func TestMeterListGivesTheMonthWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		if used, got, err := s.MeterList(ctx, "a:list", "2026-11"); err != nil || used != 0 || len(got) != 0 {
			t.Errorf("nothing counted: %d, %v, %v; want 0 and no story", used, got, err)
		}
		for _, id := range ids {
			claimRead(ctx, s, "a:list", "2026-11", id, 3, time.Now())
		}
		claimRead(ctx, s, "a:list", "2026-12", ids[3], 3, time.Now())
		claimRead(ctx, s, "a:other", "2026-11", ids[3], 3, time.Now())
		used, got, err := s.MeterList(ctx, "a:list", "2026-11")
		if err != nil || used != 3 || !sameIDs(got, ids[:3]) {
			t.Errorf("MeterList = %d, %v, %v; want 3 and %v", used, got, err, ids[:3])
		}
	})
}
