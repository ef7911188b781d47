package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A batch of recorded reads raises each month's count by its new stories,
// several of one reader included, whether or not the month has a count row.
func TestRecordReadBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 5)
		if ok, _, err := s.ClaimRead(ctx, "a:old", "2026-11", ids[0], 10, time.Now()); err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		n1 := newReader()
		batch := []store.BatchClaim{
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[3], Record: true},
			{Reader: n1, Month: "2026-11", ArticleID: ids[0], First: true},
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[1], Record: true},
			{Reader: "a:none", Month: "2026-11", ArticleID: ids[2], Record: true},
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[2], Record: true},
			// The same read twice (a request retried) counts once.
			{Reader: "a:none", Month: "2026-11", ArticleID: ids[2], Record: true},
			{Reader: "a:none", Month: "2026-11", ArticleID: ids[4], Record: true},
			// Another month of the same reader is another count row.
			{Reader: "a:old", Month: "2026-12", ArticleID: ids[1], Record: true},
			// Claims run after the recorded reads and see them.
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[4], Limit: 4},
			{Reader: "a:other", Month: "2026-11", ArticleID: ids[4], Limit: 4},
		}
		res := s.CommitClaimBatch(ctx, batch, time.Now())
		for i, r := range res[:8] {
			if r.Err != nil || !r.Granted {
				t.Errorf("claim %d (%+v): %+v, want granted", i, batch[i], r)
			}
		}
		if r := res[8]; r.Err != nil || r.Granted || r.Used != 4 {
			t.Errorf("claim past the recorded reads: %+v, want refused with 4 used", r)
		}
		if r := res[9]; r.Err != nil || !r.Granted || r.Used != 1 {
			t.Errorf("claim of another reader: %+v, want granted with 1 used", r)
		}
		wantMeter(t, s, "a:old", "2026-11", 4, ids[0], ids[1], ids[2], ids[3])
		wantMeter(t, s, "a:old", "2026-12", 1, ids[1])
		wantMeter(t, s, "a:none", "2026-11", 2, ids[2], ids[4])
		wantMeter(t, s, "a:other", "2026-11", 1, ids[4])
		wantMeter(t, s, n1, "2026-11", 1, ids[0])
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("%d batches failed", n)
		}
	})
}

// Batches of any size up to the largest, with several readers of several
// reads each: the count inserts come in a few sizes, the rows past a
// batch's months raising nothing.
func TestRecordReadBatchesOfAnySize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 3)
		for _, size := range []int{1, 2, 5, 13, 100, 193, store.MaxClaimBatch} {
			claims := make([]store.BatchClaim, size)
			readers := make([]string, (size+2)/3)
			for i := range readers {
				readers[i] = newReader()
			}
			for i := range claims {
				claims[i] = store.BatchClaim{Reader: readers[i/3], Month: "2026-11", ArticleID: ids[i%3], Record: true}
			}
			for i, r := range s.CommitClaimBatch(ctx, claims, time.Now()) {
				if r.Err != nil || !r.Granted {
					t.Fatalf("batch of %d, read %d: %+v; want granted", size, i, r)
				}
			}
			for i, r := range readers {
				n := min(3, size-3*i)
				wantMeter(t, s, r, "2026-11", n, ids[:n]...)
			}
		}
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("%d batches failed", n)
		}
	})
}

// A recorded story that is counted already (merged in from a device since
// the caller looked) is not counted twice: the count stays the number of
// stories, for every month of the batch.
func TestRecordReadOfACountedStoryKeepsTheCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		for _, id := range ids[:2] {
			if ok, _, err := s.ClaimRead(ctx, "a:r1", "2026-11", id, 5, time.Now()); err != nil || !ok {
				t.Fatalf("claim %d: %v %v", id, ok, err)
			}
		}
		batch := []store.BatchClaim{
			{Reader: "a:r1", Month: "2026-11", ArticleID: ids[1], Record: true},
			{Reader: "a:r1", Month: "2026-11", ArticleID: ids[2], Record: true},
			{Reader: "a:r2", Month: "2026-11", ArticleID: ids[3], Record: true},
		}
		for i, r := range s.CommitClaimBatch(ctx, batch, time.Now()) {
			if r.Err != nil || !r.Granted {
				t.Errorf("read %d: %+v, want granted", i, r)
			}
		}
		wantMeter(t, s, "a:r1", "2026-11", 3, ids[0], ids[1], ids[2])
		wantMeter(t, s, "a:r2", "2026-11", 1, ids[3])
		if err := s.RecordRead(ctx, "a:r1", "2026-11", ids[0], time.Now()); err != nil {
			t.Fatal(err)
		}
		wantMeter(t, s, "a:r1", "2026-11", 3, ids[0], ids[1], ids[2])
	})
}

// Many recorded reads at once, of a few readers: whatever the batches, each
// month's count is its number of stories.
func TestRecordReadConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 40)
		readers := []string{newReader(), newReader(), newReader()}
		var wg sync.WaitGroup
		for _, r := range readers {
			for _, id := range ids {
				wg.Go(func() {
					if err := s.RecordRead(ctx, r, "2026-11", id, time.Now()); err != nil {
						t.Errorf("%s story %d: %v", r, id, err)
					}
				})
			}
		}
		wg.Wait()
		for _, r := range readers {
			wantMeter(t, s, r, "2026-11", len(ids), ids...)
		}
	})
}

// A batch failing as a whole is retried claim by claim: recorded reads
// retried alone are written, and only the one at fault fails.
func TestRecordReadBatchFailingRetriesAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 3)
		refuseReads(t, s, "a:refused")
		batch := []store.BatchClaim{
			{Reader: "a:r1", Month: "2026-11", ArticleID: ids[0], Record: true},
			{Reader: "a:refused", Month: "2026-11", ArticleID: ids[1], Record: true},
			{Reader: "a:r1", Month: "2026-11", ArticleID: ids[2], Record: true},
		}
		res := s.CommitClaimBatch(ctx, batch, time.Now())
		if n := s.FailedClaimBatches(); n != 1 {
			t.Fatalf("%d batches failed, want 1", n)
		}
		if res[1].Err == nil {
			t.Errorf("the refused read: %+v, want an error", res[1])
		}
		for _, i := range []int{0, 2} {
			if res[i].Err != nil || !res[i].Granted {
				t.Errorf("read %d: %+v, want granted", i, res[i])
			}
		}
		wantMeter(t, s, "a:r1", "2026-11", 2, ids[0], ids[2])
		wantMeter(t, s, "a:refused", "2026-11", 0)
	})
}
