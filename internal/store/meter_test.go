package store_test

import (
	"context"
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

func TestClaimReadRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 5)
		now := time.Now()
		claim := func(reader, month string, id int64, limit int) (bool, int) {
			t.Helper()
			ok, used, err := s.ClaimRead(ctx, reader, month, id, limit, now)
			if err != nil {
				t.Fatal(err)
			}
			return ok, used
		}
		for i, want := range []struct {
			ok   bool
			used int
		}{{true, 1}, {true, 2}, {true, 3}, {false, 3}} {
			if ok, used := claim("a:r1", "2026-11", ids[i], 3); ok != want.ok || used != want.used {
				t.Errorf("story %d: granted=%v used=%d, want %v %d", i, ok, used, want.ok, want.used)
			}
		}
		if ok, used := claim("a:r1", "2026-11", ids[1], 3); !ok || used != 3 {
			t.Errorf("re-read: granted=%v used=%d, want true 3", ok, used)
		}
		if ok, used := claim("a:r1", "2026-12", ids[3], 3); !ok || used != 1 {
			t.Errorf("next month: granted=%v used=%d, want true 1", ok, used)
		}
		if ok, _ := claim("a:r1", "2026-11", ids[4], 5); !ok {
			t.Error("a raised limit should grant a new story")
		}
		read, err := s.MeterReads(ctx, "a:r1", "2026-11")
		if err != nil || !sameIDs(read, ids[:3], ids[4]) {
			t.Errorf("MeterReads = %v, %v; want %v", read, err, []int64{ids[0], ids[1], ids[2], ids[4]})
		}
		if read, err := s.MeterReads(ctx, "a:nobody", "2026-11"); err != nil || len(read) != 0 {
			t.Errorf("MeterReads of a reader with no reads = %v, %v; want none", read, err)
		}
	})
}

func TestClaimReadNeverOverGrantsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 20)
		const limit = 3
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := map[int64]int{}
		// 20 different stories and each one twice, all at once.
		for round := 0; round < 2; round++ {
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := s.ClaimRead(ctx, "a:racer", "2026-11", id, limit, time.Now())
					if err != nil {
						t.Error(err)
						return
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
		used, err := s.MeterUsed(ctx, "a:racer", "2026-11")
		if err != nil || used != limit {
			t.Fatalf("MeterUsed = %d, %v; want %d", used, err, limit)
		}
	})
}

func TestMergeReadsIsAUnion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		now := time.Now()
		for _, id := range ids[:2] {
			s.ClaimRead(ctx, "a:device", "2026-11", id, 10, now)
		}
		for _, id := range ids[1:3] {
			s.ClaimRead(ctx, "u:7", "2026-11", id, 10, now)
		}
		used, err := s.MergeReads(ctx, "a:device", "u:7", "2026-11")
		if err != nil || used != 3 {
			t.Fatalf("MergeReads = %d, %v; want 3 (union of {0,1} and {1,2})", used, err)
		}
		read, err := s.MeterReads(ctx, "u:7", "2026-11")
		if err != nil || !sameIDs(read, ids[:3]) {
			t.Errorf("account's reads = %v, %v; want %v: a story read on the device counts for the account", read, err, ids[:3])
		}
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
