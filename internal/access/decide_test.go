package access_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func service(s *store.Store) *access.Service {
	return &access.Service{Catalog: everything, Store: s, Now: func() time.Time { return now }}
}

// wantCounted checks the database counts exactly n stories for v this
// month, in both of the meter's tables.
func wantCounted(t *testing.T, s *store.Store, v access.Viewer, n int) {
	t.Helper()
	ctx := context.Background()
	used, err := s.MeterUsed(ctx, v.MeterKey(), "2026-11")
	ids, err2 := s.MeterReads(ctx, v.MeterKey(), "2026-11")
	if err != nil || err2 != nil || used != n || len(ids) != n {
		t.Errorf("%s: count %d and %d stories (%v, %v); want %d", v.MeterKey(), used, len(ids), err, err2, n)
	}
}

// What a reader gets, story by story, and what the database counts.
func TestDecideRulesOnTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 5)
		free := &content.Article{ID: as[3].ID, Access: content.Free}
		premium := &content.Article{ID: as[4].ID, Access: content.Premium}
		svc := service(s)
		cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
		lowered := &settings.Settings{FreeLimit: 1, Location: time.UTC}
		reader := access.Viewer{AnonID: "rules"}
		subscriber := access.Viewer{AccountID: 8, Subscription: &billing.Subscription{Status: billing.Active, PaidUntil: now.AddDate(0, 1, 0)}}
		staff := access.Viewer{AccountID: 9, Staff: true}
		crawler := access.Viewer{AnonID: "verified-crawler", Crawler: true}
		for i, step := range []struct {
			v       access.Viewer
			a       *content.Article
			cfg     *settings.Settings
			granted bool
			reason  meter.Reason
			used    int
		}{
			{reader, free, cfg, true, meter.FreeStory, 0},
			{reader, premium, cfg, false, meter.PremiumOnly, 0},
			{reader, as[0], cfg, true, meter.Metered, 1},
			{reader, as[0], cfg, true, meter.Metered, 1},
			{reader, as[1], lowered, false, meter.MeterExhausted, 1},
			{reader, as[1], cfg, true, meter.Metered, 2},
			{reader, as[2], cfg, false, meter.MeterExhausted, 2},
			{reader, as[0], lowered, true, meter.Metered, 2},
			{reader, free, cfg, true, meter.FreeStory, 2},
			{subscriber, as[2], cfg, true, meter.Subscriber, 0},
			{subscriber, premium, cfg, true, meter.Subscriber, 0},
			{staff, premium, cfg, true, meter.Subscriber, 0},
			{staff, as[2], cfg, true, meter.Subscriber, 0},
			{crawler, premium, cfg, true, meter.Subscriber, 0},
			{crawler, as[2], cfg, true, meter.Subscriber, 0},
			{crawler, as[0], lowered, true, meter.Subscriber, 0},
		} {
			d, err := svc.Decide(ctx, step.v, step.a, step.cfg)
			if err != nil || d.Granted != step.granted || d.Reason != step.reason || d.Used != step.used ||
				d.Remaining != meter.Remaining(step.used, step.cfg.FreeLimit) || d.FreeLimit != step.cfg.FreeLimit {
				t.Errorf("step %d (%s, story %d): %+v, %v; want granted=%v %s, %d used", i, step.v.MeterKey(), step.a.ID, d, err, step.granted, step.reason, step.used)
			}
		}
		wantCounted(t, s, reader, 2)
		wantCounted(t, s, subscriber, 0)
		wantCounted(t, s, staff, 0)
		wantCounted(t, s, crawler, 0)
		if d, _ := svc.Decide(ctx, staff, premium, cfg); !d.Entitlements.Has(offer.Premium) {
			t.Errorf("staff's entitlements: %+v; want premium", d.Entitlements)
		}
	})
}

// A reader back with the story their id carries has it counted first,
// once: with one free story a month, it is that one, and the next is
// refused.
func TestDecideCountsTheCarriedReadBeforeTheNextStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 3)
		cfg := &settings.Settings{FreeLimit: 1, Location: time.UTC}
		svc := service(s)
		d, err := svc.Decide(ctx, access.Viewer{AnonID: "one", NewReader: true}, as[0], cfg)
		if err != nil || !d.Granted || d.Used != 1 || d.FirstRead.ArticleID != as[0].ID {
			t.Fatalf("first story: %+v, %v", d, err)
		}
		back := access.Viewer{AnonID: "one", Carried: d.FirstRead}
		for i, want := range []struct {
			a       *content.Article
			granted bool
		}{{as[1], false}, {as[0], true}, {as[2], false}} {
			d, err := svc.Decide(ctx, back, want.a, cfg)
			if err != nil || d.Granted != want.granted || d.Used != 1 || !d.CarriedCounted {
				t.Errorf("view %d: %+v, %v; want granted=%v, 1 used, the carried read counted", i, d, err, want.granted)
			}
		}
		ids, err := s.MeterReads(ctx, back.MeterKey(), "2026-11")
		if err != nil || len(ids) != 1 || ids[0] != as[0].ID {
			t.Errorf("MeterReads = %v, %v; want only the carried story %d", ids, err, as[0].ID)
		}
	})
}

// A reader back with their carried story opens a second story twice at
// once, on two services: the carried story and the second are each
// counted once.
func TestDecideCarriedReadAndARacingStoryCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 2)
		cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC}
		services := []*access.Service{service(s), service(s)}
		back := access.Viewer{AnonID: "racing", Carried: access.CarriedRead{Month: "2026-11", ArticleID: as[0].ID}}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				d, err := services[i%2].Decide(context.Background(), back, as[1], cfg)
				if err != nil || !d.Granted || d.Used != 2 || !d.CarriedCounted {
					t.Errorf("view %d: %+v, %v; want granted, 2 used, the carried read counted", i, d, err)
				}
			})
		}
		wg.Wait()
		wantCounted(t, s, back, 2)
	})
}

// storeBesideAnotherWriter opens a fresh database on engine through the
// store and, beside it, a plain connection to it, as another writer of the
// meter (an import, an admin's tool) has.
func storeBesideAnotherWriter(t *testing.T, engine string) (*store.Store, *sql.DB) {
	t.Helper()
	url := storetest.URL(t, engine)
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	driver, dsn := "pgx", url
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite://")+"?_pragma=busy_timeout(5000)"
	}
	other, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return s, other
}

// execAll runs each statement on db.
func execAll(t *testing.T, db *sql.DB, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// importRead is what an import runs to count story id for reader this
// month past whatever the meter allows, the count set to n.
func importRead(reader string, id int64, n int) []string {
	return []string{
		fmt.Sprintf(`INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES ('%s', '2026-11', %d, '2026-11-15T00:00:00Z')`, reader, id),
		fmt.Sprintf(`UPDATE meter_counts SET n = %d WHERE reader = '%s' AND month = '2026-11'`, n, reader),
	}
}

// Another writer of the meter (an import, an admin's reset), here a plain
// connection to the database, tells the service nothing. Once
// RefusalFreshness has passed, a story it counted is a free re-read, and a
// meter it emptied is not refused on what the service knew before.
func TestDecideHonoursOtherWritersOfTheMeter(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, other := storeBesideAnotherWriter(t, engine)
			as := stories(t, s, 5)
			cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
			clk := newTestClock()
			svc := &access.Service{Catalog: everything, Store: s, Now: clk.Now}
			v := access.Viewer{AnonID: "other-writer"}
			for _, a := range as[:3] {
				svc.Decide(ctx, v, a, cfg)
			}
			wantCounted(t, s, v, 2)
			// An import counts a third story past the limit.
			execAll(t, other, importRead(v.MeterKey(), as[3].ID, 3)...)
			clk.Advance(access.RefusalFreshness)
			if d, err := svc.Decide(ctx, v, as[3], cfg); err != nil || !d.Granted || d.Used != 3 {
				t.Errorf("the imported story: %+v, %v; want granted, 3 used", d, err)
			}
			// An admin resets the reader's month.
			execAll(t, other, `DELETE FROM meter_reads WHERE reader = 'a:other-writer'`, `DELETE FROM meter_counts WHERE reader = 'a:other-writer'`)
			clk.Advance(access.RefusalFreshness)
			if d, err := svc.Decide(ctx, v, as[4], cfg); err != nil || !d.Granted || d.Used != 1 {
				t.Errorf("a new story after the reset: %+v, %v; want granted, 1 used", d, err)
			}
			wantCounted(t, s, v, 1)
		})
	}
}

// countingStore counts the service's reads of a month's list.
type countingStore struct {
	access.MeterStore
	lists atomic.Int64
}

func (c *countingStore) MeterList(ctx context.Context, reader, month string) (int, []int64, error) {
	c.lists.Add(1)
	return c.MeterStore.MeterList(ctx, reader, month)
}

// A reader at the limit is refused from memory for RefusalFreshness after
// the database last gave the complete list of their stories, whether
// their own claims completed it or a read for a refusal did: within that
// window the refusals and re-reads need no database at all, and after it
// the next refusal reads the list again.
func TestDecideRefusesFromAFreshCompleteList(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { refusesFromAFreshCompleteList(t, engine) })
	}
}

func refusesFromAFreshCompleteList(t *testing.T, engine string) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.URL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	as := stories(t, s, 4)
	cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
	v := access.Viewer{AnonID: "at-limit"}
	type step struct {
		a       *content.Article
		granted bool
	}
	decide := func(name string, svc *access.Service, steps ...step) {
		t.Helper()
		for _, st := range steps {
			d, err := svc.Decide(ctx, v, st.a, cfg)
			if err != nil || d.Granted != st.granted || d.Used != 2 {
				t.Errorf("%s, story %d: %+v, %v; want granted=%v, 2 used", name, st.a.ID, d, err, st.granted)
			}
		}
	}

	// Another instance, knowing nothing of the reader, reads the list
	// for its first refusal and none for the next ones.
	ownClock := newTestClock()
	own := &access.Service{Catalog: everything, Store: s, Now: ownClock.Now}
	for _, a := range as[:2] {
		if d, err := own.Decide(ctx, v, a, cfg); err != nil || !d.Granted {
			t.Fatalf("story %d: %+v, %v", a.ID, d, err)
		}
	}
	counting := &countingStore{MeterStore: s}
	otherClock := newTestClock()
	other := &access.Service{Catalog: everything, Store: counting, Now: otherClock.Now}
	decide("a first refusal", other, step{as[2], false})
	otherClock.Advance(access.RefusalFreshness - time.Nanosecond)
	decide("within the window", other, step{as[3], false}, step{as[0], true}, step{as[2], false}, step{as[1], true})
	if n := counting.lists.Load(); n != 1 {
		t.Errorf("%d reads of the list within the window; want the first refusal's only", n)
	}
	otherClock.Advance(time.Nanosecond)
	decide("past the window", other, step{as[3], false}, step{as[2], false})
	if n := counting.lists.Load(); n != 2 {
		t.Errorf("%d reads of the list; want one more past the window", n)
	}

	// The instance whose claims completed the list refuses without
	// the database, which is closed, until the window has passed.
	ownClock.Advance(access.RefusalFreshness - time.Nanosecond)
	s.Close()
	closed = true
	decide("the database closed", own, step{as[2], false}, step{as[3], false}, step{as[0], true}, step{as[1], true})
	ownClock.Advance(time.Nanosecond)
	if d, err := own.Decide(ctx, v, as[2], cfg); err == nil || d.Granted {
		t.Errorf("the database closed, past the window: %+v, %v; want an error and nothing granted", d, err)
	}
}

// A story counted behind the service's back, for a reader it remembers at
// the limit, may be refused for RefusalFreshness and no longer: then it is
// a free re-read, and counted once.
func TestDecideStoryCountedElsewhereIsAReReadOnceTheWindowHasPassed(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, other := storeBesideAnotherWriter(t, engine)
			as := stories(t, s, 4)
			cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
			clk := newTestClock()
			svc := &access.Service{Catalog: everything, Store: s, Now: clk.Now}
			v := access.Viewer{AnonID: "elsewhere"}
			for i, a := range as[:3] {
				if d, err := svc.Decide(ctx, v, a, cfg); err != nil || d.Granted != (i < 2) {
					t.Fatalf("story %d: %+v, %v", i, d, err)
				}
			}
			execAll(t, other, importRead(v.MeterKey(), as[2].ID, 3)...)
			clk.Advance(access.RefusalFreshness / 2)
			if d, err := svc.Decide(ctx, v, as[2], cfg); err != nil || d.Granted || d.Used != 2 {
				t.Errorf("within the window: %+v, %v; want refused on the list known, 2 used", d, err)
			}
			clk.Advance(access.RefusalFreshness / 2)
			for i := range 2 {
				if d, err := svc.Decide(ctx, v, as[2], cfg); err != nil || !d.Granted || d.Used != 3 {
					t.Errorf("past the window, view %d: %+v, %v; want granted, 3 used", i, d, err)
				}
			}
			if d, err := svc.Decide(ctx, v, as[3], cfg); err != nil || d.Granted || d.Used != 3 {
				t.Errorf("another story: %+v, %v; want refused, 3 used", d, err)
			}
			wantCounted(t, s, v, 3)
		})
	}
}

// A device's reads merged into the account on sign-in count for the
// account at once on the service that merged, and on any other once
// RefusalFreshness has passed.
func TestMergeDeviceOnTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 4)
		cfg := &settings.Settings{FreeLimit: 2, Location: time.UTC}
		clk := newTestClock()
		here, there := &access.Service{Catalog: everything, Store: s, Now: clk.Now}, &access.Service{Catalog: everything, Store: s, Now: clk.Now}
		account := access.Viewer{AccountID: 5}
		for _, a := range as[:2] {
			if d, err := here.Decide(ctx, account, a, cfg); err != nil || !d.Granted {
				t.Fatalf("account reads: %+v, %v", d, err)
			}
		}
		// Both know the account's meter is full.
		for _, svc := range []*access.Service{here, there} {
			if d, err := svc.Decide(ctx, account, as[2], cfg); err != nil || d.Granted {
				t.Fatalf("past the limit: %+v, %v", d, err)
			}
		}
		d, err := here.Decide(ctx, access.Viewer{AnonID: "phone", NewReader: true}, as[3], cfg)
		if err != nil || !d.Granted {
			t.Fatalf("phone: %+v, %v", d, err)
		}
		if err := here.MergeDevice(ctx, "phone", d.FirstRead, 5, "2026-11"); err != nil {
			t.Fatal(err)
		}
		for _, at := range []struct {
			name string
			svc  *access.Service
		}{{"here", here}, {"there", there}} {
			name, svc := at.name, at.svc
			if name == "there" {
				// The other instance knew the account's list complete:
				// it may refuse on it until the window has passed.
				clk.Advance(access.RefusalFreshness)
			}
			if d, err := svc.Decide(ctx, account, as[3], cfg); err != nil || !d.Granted || d.Used != 3 {
				t.Errorf("%s, the phone's story on the account: %+v, %v; want granted, 3 used", name, d, err)
			}
			if d, err := svc.Decide(ctx, account, as[2], cfg); err != nil || d.Granted || d.Used != 3 {
				t.Errorf("%s, a new story: %+v, %v; want refused, 3 used", name, d, err)
			}
		}
		wantCounted(t, s, account, 3)
	})
}

// A request that goes away does not fail the claims of others: readers
// with free stories left claim a new one at once while half of the
// requests are cancelled on the way (the store's own test holds a batch
// to cancel a claim inside it). Every reader whose request stayed is
// granted and counted, and a cancelled request granted is counted too.
func TestDecideCancelledRequestsFailNoOtherReader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 2)
		cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC}
		svc := service(s)
		readers := make([]access.Viewer, 40)
		for i := range readers {
			readers[i] = access.Viewer{AnonID: fmt.Sprintf("reader-%02d", i)}
			if d, err := svc.Decide(context.Background(), readers[i], as[0], cfg); err != nil || !d.Granted {
				t.Fatalf("reader %d, first story: %+v, %v", i, d, err)
			}
		}
		granted := make([]bool, len(readers))
		var wg sync.WaitGroup
		for i, v := range readers {
			ctx, cancel := context.WithCancel(context.Background())
			wg.Go(func() {
				defer cancel()
				d, err := svc.Decide(ctx, v, as[1], cfg)
				granted[i] = err == nil && d.Granted
				if i%2 == 0 && (err != nil || !d.Granted || d.Used != 2) {
					t.Errorf("reader %d: %+v, %v; want granted, 2 used", i, d, err)
				}
			})
			if i%2 == 1 {
				go cancel()
			}
		}
		wg.Wait()
		for i, v := range readers {
			if used, err := s.MeterUsed(context.Background(), v.MeterKey(), "2026-11"); err != nil || used < 1 || used > 2 || granted[i] && used != 2 {
				t.Errorf("reader %d (granted %v): MeterUsed = %d, %v", i, granted[i], used, err)
			}
		}
	})
}

// A store that fails answers every reader who needs it with the error and
// grants nothing; what the service knew before it failed still serves
// re-reads.
func TestDecideOnAFailingStore(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			as := stories(t, s, 3)
			cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC}
			svc := service(s)
			known := access.Viewer{AnonID: "known"}
			if d, err := svc.Decide(ctx, known, as[0], cfg); err != nil || !d.Granted {
				t.Fatalf("first story: %+v, %v", d, err)
			}
			s.Close()
			for name, v := range map[string]access.Viewer{
				"a new story":      known,
				"a carried read":   {AnonID: "back", Carried: access.CarriedRead{Month: "2026-11", ArticleID: as[0].ID}},
				"an unknown meter": {AnonID: "stranger"},
			} {
				if d, err := svc.Decide(ctx, v, as[1], cfg); err == nil || d.Granted {
					t.Errorf("%s: %+v, %v; want an error and nothing granted", name, d, err)
				}
			}
			if d, err := svc.Decide(ctx, known, as[0], cfg); err != nil || !d.Granted || d.Used != 1 {
				t.Errorf("a re-read: %+v, %v; want granted, 1 used", d, err)
			}
		})
	}
}
