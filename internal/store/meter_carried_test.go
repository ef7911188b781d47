package store_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A reader back with the first story their id carries claims it with the
// story they ask for: it is counted first, once, however often they come
// back with it.
func TestClaimReadsCountsTheCarriedStoryOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		now := time.Now()
		for i, want := range []struct {
			story   int64
			granted bool
			used    int
		}{{ids[1], true, 2}, {ids[1], true, 2}, {ids[2], false, 2}, {ids[0], true, 2}} {
			counted, used, err := s.ClaimReads(ctx, "a:back", "2026-11", []int64{ids[0], want.story}, 2, now)
			if err != nil || counted[1] != want.granted || used != want.used || !counted[0] {
				t.Errorf("claim %d: %v %d %v; want %v, %d used, the carried story counted", i, counted, used, err, want.granted, want.used)
			}
		}
		wantMeter(t, s, "a:back", "2026-11", 2, ids[:2]...)
		// A meter full without the carried story (which never happens to
		// an id handed out with it) is not raised for it.
		for _, id := range ids[1:3] {
			claimRead(ctx, s, "a:full", "2026-11", id, 2, now)
		}
		if counted, used, err := s.ClaimReads(ctx, "a:full", "2026-11", []int64{ids[0], ids[3]}, 2, now); err != nil || counted[0] || counted[1] || used != 2 {
			t.Errorf("full meter: %v %d %v; want nothing counted, 2 used", counted, used, err)
		}
		wantMeter(t, s, "a:full", "2026-11", 2, ids[1:3]...)
	})
}

// Many views at once of a reader back with their carried story: the limit
// holds, the carried story counted among it.
func TestClaimReadsConcurrentViewsCarryingAStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 21)
		var granted atomic.Int64
		var wg sync.WaitGroup
		for _, id := range ids[1:] {
			wg.Go(func() {
				counted, _, err := s.ClaimReads(ctx, "a:many", "2026-11", []int64{ids[0], id}, 5, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if counted[1] {
					granted.Add(1)
				}
			})
		}
		wg.Wait()
		if granted.Load() != 4 {
			t.Errorf("%d new stories granted, want 4 besides the carried one", granted.Load())
		}
		read, err := s.MeterReads(ctx, "a:many", "2026-11")
		if err != nil || len(read) != 5 || !slices.Contains(read, ids[0]) {
			t.Errorf("meter %v, %v; want the carried story and 4 more", read, err)
		}
		if n, err := s.MeterUsed(ctx, "a:many", "2026-11"); err != nil || n != 5 {
			t.Errorf("MeterUsed = %d, %v; want 5", n, err)
		}
	})
}
