package access_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A returning reader with a carried read opens 12 stories at once,
// each twice, on three instances, while the limit drops from 4 to 2 mid-run
// and facts were warmed on one instance. Distinct stories granted must stay
// within the higher limit, and the database count within it.
func TestRacingStoriesWithACarriedReadAndAChangingLimitStayWithinIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		as := stories(t, s, 13)
		hi := &settings.Settings{FreeLimit: 4, Location: time.UTC}
		lo := &settings.Settings{FreeLimit: 2, Location: time.UTC}
		services := []*access.Service{service(s), service(s), service(s)}
		v := access.Viewer{AnonID: "att", Carried: access.CarriedRead{Month: "2026-11", ArticleID: as[0].ID}}
		// warm one instance: re-read of the carried story
		if _, err := services[0].Decide(context.Background(), v, as[0], hi); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		granted := map[int64]bool{}
		var wg sync.WaitGroup
		for round := range 2 {
			for i, a := range as[1:] {
				wg.Go(func() {
					cfg := hi
					if (i+round)%3 == 0 {
						cfg = lo
					}
					d, err := services[(i+round)%3].Decide(context.Background(), v, a, cfg)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Granted {
						mu.Lock()
						granted[a.ID] = true
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		if len(granted) > 3 { // carried + 3 more = 4
			t.Errorf("granted %d new stories beyond the carried one: %v", len(granted), granted)
		}
		used, _ := s.MeterUsed(context.Background(), v.MeterKey(), "2026-11")
		ids, _ := s.MeterReads(context.Background(), v.MeterKey(), "2026-11")
		if used > 4 || used != len(ids) {
			t.Errorf("db count %d, %d reads", used, len(ids))
		}
		for id := range granted {
			found := false
			for _, x := range ids {
				found = found || x == id
			}
			if !found {
				t.Errorf("story %d granted but not counted", id)
			}
		}
		t.Logf("granted %d new; db %d", len(granted), used)
	})
}

// A sign-in merge racing the account's own claims: the account may
// not get more than limit stories by claims, on top of what the merge adds.
func TestMergeRacingClaimsGrantsNoMoreThanTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 10)
		cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC}
		svc, other := service(s), service(s)
		// anon device reads 2 stories (claimed on the device)
		dev := access.Viewer{AnonID: "dev"}
		for _, a := range as[:2] {
			if d, err := svc.Decide(ctx, dev, a, cfg); err != nil || !d.Granted {
				t.Fatal(d, err)
			}
		}
		acct := access.Viewer{AccountID: 77}
		// warm a complete list for the account on svc
		if _, err := svc.Decide(ctx, acct, as[9], cfg); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		granted := map[int64]bool{}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := other.MergeDevice(ctx, "dev", access.CarriedRead{}, 77, "2026-11"); err != nil {
				t.Error(err)
			}
		})
		for i, a := range as[2:9] {
			wg.Go(func() {
				d, err := []*access.Service{svc, other}[i%2].Decide(ctx, acct, a, cfg)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Granted {
					mu.Lock()
					granted[a.ID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		// as[9] counted: 1; at most 2 more by claims
		if len(granted) > 2 {
			t.Errorf("account granted %d new stories by claims; limit 3 with 1 used", len(granted))
		}
		used, _ := s.MeterUsed(ctx, acct.MeterKey(), "2026-11")
		ids, _ := s.MeterReads(ctx, acct.MeterKey(), "2026-11")
		t.Logf("granted %d; db used %d reads %d", len(granted), used, len(ids))
		if used != len(ids) {
			t.Errorf("count %d != reads %d", used, len(ids))
		}
	})
}
