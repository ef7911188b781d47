package access_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/clock"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

var now = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

// newTestClock is a clock for services that a test moves on by hand, from now.
func newTestClock() *clock.Manual { return clock.NewManual(now) }

func stories(t *testing.T, s *store.Store, n int) []*content.Article {
	t.Helper()
	ctx := context.Background()
	sec, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
	if err != nil {
		t.Fatal(err)
	}
	var as []*content.Article
	for i := range n {
		a := &content.Article{
			Slug: fmt.Sprintf("story-%d", i), Headline: "Story", Body: "One.\n\nTwo.",
			SectionID: sec, Access: content.Metered, PublishedAt: now, UpdatedAt: now,
		}
		if a.ID, err = s.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	return as
}

// decideAll has every service decide every story for v at once, each story
// twice, and returns how many times each story was granted.
func decideAll(t *testing.T, services []*access.Service, v access.Viewer, as []*content.Article, cfg *settings.Settings) map[int64]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := map[int64]int{}
	for round := range 2 {
		for i, a := range as {
			svc := services[(i+round)%len(services)]
			wg.Go(func() {
				d, err := svc.Decide(context.Background(), v, a, cfg)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Granted {
					mu.Lock()
					granted[a.ID]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return granted
}

func TestDecideConcurrentReadsGrantExactlyTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 20)
		const limit = 3
		cfg := &settings.Settings{FreeLimit: limit, Location: time.UTC}
		svc := &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }}
		v := access.Viewer{AnonID: "racer"}
		first := decideAll(t, []*access.Service{svc}, v, as, cfg)
		if len(first) != limit {
			t.Fatalf("granted %d distinct stories, want exactly %d", len(first), limit)
		}
		// Again, now that the meter is remembered: the same
		// stories and no others, each read twice.
		again := decideAll(t, []*access.Service{svc}, v, as, cfg)
		for id := range first {
			if again[id] != 2 {
				t.Errorf("story %d re-read granted %d times of 2", id, again[id])
			}
		}
		if len(again) != limit {
			t.Errorf("second round granted %d distinct stories, want the same %d", len(again), limit)
		}
		used, err := s.MeterUsed(context.Background(), v.MeterKey(), "2026-11")
		if err != nil || used != limit {
			t.Errorf("MeterUsed = %d, %v; want %d", used, err, limit)
		}
	})
}

// Two instances on one database: together they grant the limit, and a
// device merged into the account on one is honoured by the other once
// RefusalFreshness has passed.
func TestDecideAcrossInstances(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			var services []*access.Service
			var stores []*store.Store
			clk := newTestClock()
			for range 2 {
				s, err := store.Open(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
				services = append(services, &access.Service{Catalog: everything, Store: s, Now: clk.Now})
			}
			as := stories(t, stores[0], 20)
			const limit = 3
			cfg := &settings.Settings{FreeLimit: limit, Location: time.UTC}
			account := access.Viewer{AnonID: "laptop", AccountID: 7}
			if granted := decideAll(t, services, account, as, cfg); len(granted) != limit {
				t.Fatalf("granted %d distinct stories, want exactly %d", len(granted), limit)
			}

			// A phone reads a story anonymously, then signs in on the
			// first instance; the second has the account's meter in
			// memory, full.
			ctx := context.Background()
			var phoneStory *content.Article
			for _, a := range as {
				if d, _ := services[1].Decide(ctx, account, a, cfg); !d.Granted {
					phoneStory = a
					break
				}
			}
			phone := access.Viewer{AnonID: "phone", NewReader: true}
			d, err := services[0].Decide(ctx, phone, phoneStory, cfg)
			if err != nil || !d.Granted {
				t.Fatalf("phone reads anonymously: %+v, %v", d, err)
			}
			if err := services[0].MergeDevice(ctx, "phone", d.FirstRead, 7, "2026-11"); err != nil {
				t.Fatal(err)
			}
			clk.Advance(access.RefusalFreshness)
			d, err = services[1].Decide(ctx, account, phoneStory, cfg)
			if err != nil || !d.Granted || d.Used != limit+1 {
				t.Errorf("the other instance on the merged story: %+v, %v; want granted, %d used", d, err, limit+1)
			}
		})
	}
}

// A new reader's first story is not written: it is carried in the id the
// reader is handed, and counted, once, when they come back with it, here
// or on another instance.
func TestDecideNewReaderFirstStoryOnTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 3)
		ctx := context.Background()
		cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
		here := &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }}
		newReader := access.Viewer{AnonID: access.NewReaderID(now), NewReader: true}
		d, err := here.Decide(ctx, newReader, as[0], cfg)
		if err != nil || !d.Granted || d.Used != 1 || d.Remaining != 1 || d.FirstRead.ArticleID != as[0].ID {
			t.Fatalf("first story: %+v, %v; want granted, 1 used, 1 left, story %d carried", d, err, as[0].ID)
		}
		if reads, counts, err := s.MeterRows(ctx); err != nil || reads+counts != 0 {
			t.Errorf("meter rows after a new reader's first story: %d reads, %d counts, %v; want none", reads, counts, err)
		}

		returning := access.Viewer{AnonID: newReader.AnonID, Carried: d.FirstRead}
		there := &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }}
		for i, want := range []struct {
			story   int
			granted bool
			used    int
		}{{1, true, 2}, {0, true, 2}, {2, false, 2}} {
			d, err := there.Decide(ctx, returning, as[want.story], cfg)
			if err != nil || d.Granted != want.granted || d.Used != want.used {
				t.Errorf("view %d, story %d on another instance: %+v, %v; want granted=%v, %d used", i, want.story, d, err, want.granted, want.used)
			}
		}
		if used, err := s.MeterUsed(ctx, newReader.MeterKey(), "2026-11"); err != nil || used != 2 {
			t.Errorf("MeterUsed = %d, %v; want 2", used, err)
		}
	})
}

// A reader back with their carried first story opens many stories at once
// on two instances: the carried story counts once and, with it, exactly
// the limit is granted.
func TestDecideConcurrentViewsOfAReaderCarryingTheirFirstStory(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			var services []*access.Service
			var stores []*store.Store
			instances := 2
			if engine == "sqlite" {
				instances = 1 // a SQLite file has one writer
			}
			for range instances {
				s, err := store.Open(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
				services = append(services, &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }})
			}
			as := stories(t, stores[0], 20)
			const limit = 4
			cfg := &settings.Settings{FreeLimit: limit, Location: time.UTC}
			ctx := context.Background()
			d, err := services[0].Decide(ctx, access.Viewer{AnonID: "carrier", NewReader: true}, as[0], cfg)
			if err != nil || !d.Granted {
				t.Fatalf("first story: %+v, %v", d, err)
			}
			back := access.Viewer{AnonID: "carrier", Carried: d.FirstRead}
			granted := decideAll(t, services, back, as[1:], cfg)
			if len(granted) != limit-1 {
				t.Errorf("granted %d new stories besides the carried one, want exactly %d", len(granted), limit-1)
			}
			ids, err := stores[0].MeterReads(ctx, back.MeterKey(), "2026-11")
			if err != nil || len(ids) != limit || !slices.Contains(ids, as[0].ID) {
				t.Errorf("MeterReads = %v, %v; want the carried story %d and %d others", ids, err, as[0].ID, limit-1)
			}
			if used, err := stores[0].MeterUsed(ctx, back.MeterKey(), "2026-11"); err != nil || used != limit {
				t.Errorf("MeterUsed = %d, %v; want %d", used, err, limit)
			}
		})
	}
}

// A reader whose meter is remembered opens many new stories at once, each
// twice: exactly the limit is granted, and the database counts exactly the
// stories granted.
func TestDecideConcurrentNewStoriesOfARememberedReader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 60)
		const limit = 10
		ctx := context.Background()
		cfg := &settings.Settings{FreeLimit: limit, Location: time.UTC}
		svc := &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }}
		v := access.Viewer{AnonID: "known"}
		if d, err := svc.Decide(ctx, v, as[0], cfg); err != nil || !d.Granted {
			t.Fatalf("first story: %+v, %v", d, err)
		}
		granted := decideAll(t, []*access.Service{svc}, v, as[1:], cfg)
		if len(granted) != limit-1 {
			t.Errorf("granted %d new stories, want exactly %d", len(granted), limit-1)
		}
		for id, n := range granted {
			if n != 2 {
				t.Errorf("story %d granted %d times of 2", id, n)
			}
		}
		want := []int64{as[0].ID}
		for id := range granted {
			want = append(want, id)
		}
		slices.Sort(want)
		ids, err := s.MeterReads(ctx, v.MeterKey(), "2026-11")
		slices.Sort(ids)
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("MeterReads = %v, %v; want the stories granted %v", ids, err, want)
		}
		if used, err := s.MeterUsed(ctx, v.MeterKey(), "2026-11"); err != nil || used != limit {
			t.Errorf("MeterUsed = %d, %v; want %d", used, err, limit)
		}
	})
}
