package access

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// fakeMeter is a meter store in memory that counts the calls made to it.
// Tests change its sets directly to play another instance writing the same
// database.
type fakeMeter struct {
	mu       sync.Mutex
	sets     map[string][]int64 // reader + " " + month → stories counted
	reads    int
	claims   int
	records  int // RecordRead calls
	claimErr error
	readErr  error
	// recordErr fails RecordRead, after writing the story when
	// recordCommits is set (a commit whose answer was lost).
	recordErr     error
	recordCommits bool
	// A call of RecordRead waits for recordGate, when set, before
	// writing; MergeReads waits for mergeGate after. Each says so on
	// started first.
	recordGate, mergeGate chan struct{}
	started               chan string
}

func newFakeMeter() *fakeMeter { return &fakeMeter{sets: map[string][]int64{}} }

func (f *fakeMeter) MeterReads(_ context.Context, reader, month string) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.readErr != nil {
		return nil, f.readErr
	}
	return slices.Clone(f.sets[reader+" "+month]), nil
}

func (f *fakeMeter) ClaimRead(_ context.Context, reader, month string, id int64, limit int, _ time.Time) (bool, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	if f.claimErr != nil {
		return false, 0, f.claimErr
	}
	k := reader + " " + month
	set := f.sets[k]
	switch {
	case slices.Contains(set, id):
		return true, len(set), nil
	case len(set) < limit:
		f.sets[k] = append(set, id)
		return true, len(set) + 1, nil
	default:
		return false, len(set), nil
	}
}

// ClaimCarried claims both stories as ClaimRead does, in one call.
func (f *fakeMeter) ClaimCarried(_ context.Context, reader, month string, carried, id int64, limit int, _ time.Time) (bool, int, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	if f.claimErr != nil {
		return false, 0, false, f.claimErr
	}
	k := reader + " " + month
	var counted [2]bool
	for i, story := range []int64{carried, id} {
		set := f.sets[k]
		switch {
		case slices.Contains(set, story):
			counted[i] = true
		case len(set) < limit:
			f.sets[k] = append(set, story)
			counted[i] = true
		}
	}
	return counted[1], len(f.sets[k]), counted[0], nil
}

// RecordRead adds the story as the store does: once, and only it.
func (f *fakeMeter) RecordRead(ctx context.Context, reader, month string, id int64, _ time.Time) error {
	f.mu.Lock()
	f.records++
	gate := f.recordGate
	f.mu.Unlock()
	if gate != nil {
		f.started <- "record " + strconv.FormatInt(id, 10)
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recordErr != nil && !f.recordCommits {
		return f.recordErr
	}
	k := reader + " " + month
	if !slices.Contains(f.sets[k], id) {
		f.sets[k] = append(f.sets[k], id)
	}
	return f.recordErr
}

// MergeReads merges, then waits for mergeGate when set: the merge is
// committed and the caller not told yet.
func (f *fakeMeter) MergeReads(_ context.Context, from, into, month string, carried int64, _ time.Time) (int, error) {
	f.mu.Lock()
	k := into + " " + month
	merged := f.sets[from+" "+month]
	if carried != 0 {
		merged = append(slices.Clone(merged), carried)
	}
	for _, id := range merged {
		if !slices.Contains(f.sets[k], id) {
			f.sets[k] = append(f.sets[k], id)
		}
	}
	n, gate := len(f.sets[k]), f.mergeGate
	f.mu.Unlock()
	if gate != nil {
		f.started <- "merge"
		<-gate
	}
	return n, nil
}

// count adds stories to a reader's month behind the service's back, as
// another instance sharing the database would.
func (f *fakeMeter) count(reader, month string, ids ...int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets[reader+" "+month] = append(f.sets[reader+" "+month], ids...)
}

// callCounts are the calls made to a fakeMeter.
type callCounts struct{ reads, claims, records int }

func (c callCounts) minus(d callCounts) callCounts {
	return callCounts{c.reads - d.reads, c.claims - d.claims, c.records - d.records}
}

func (f *fakeMeter) calls() callCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return callCounts{f.reads, f.claims, f.records}
}

var (
	november = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	december = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	reader   = Viewer{AnonID: "r1"}
)

func metered(id int64) *content.Article { return &content.Article{ID: id, Access: content.Metered} }

func limit(n int) *settings.Settings { return &settings.Settings{FreeLimit: n, Location: time.UTC} }

// carrying is an anonymous reader back with the id they were handed with
// their first story, read in November and not written.
func carrying(id string, story int64) Viewer {
	return Viewer{AnonID: id, Carried: CarriedRead{Month: "2026-11", ArticleID: story}}
}

// view is one page view in a scenario, and what the reader gets.
type view struct {
	v       Viewer
	at      time.Time // zero: november
	story   int64
	premium bool // the story is for subscribers only
	free    bool // the story is outside the meter
	limit   int
	before  func(f *fakeMeter) // another instance's doing, before the view
	granted bool
	used    int
	// memory says the view is decided without the database: no read,
	// claim or write. That is what remembering a meter is for, so these
	// views check the calls made to the store; the others check only what
	// the reader gets and what the store ends with.
	memory bool
}

func TestDecideRemembersConfirmedReads(t *testing.T) {
	account := Viewer{AnonID: "r1", AccountID: 7}
	cases := []struct {
		name      string
		exclusive bool
		views     []view
		counted   map[string][]int64 // the store's meters at the end: reader and month → stories
	}{
		{"a re-read of a counted story needs no database", true, []view{
			{v: reader, story: 1, limit: 3, granted: true, used: 1},
			{v: reader, story: 1, limit: 3, granted: true, used: 1, memory: true},
			{v: reader, story: 2, limit: 3, granted: true, used: 2},
			{v: reader, story: 1, limit: 3, granted: true, used: 2, memory: true},
		}, map[string][]int64{"a:r1 2026-11": {1, 2}}},
		{"a re-read needs no database on a shared database either", false, []view{
			{v: account, story: 1, limit: 3, granted: true, used: 1},
			{v: account, story: 1, limit: 3, granted: true, used: 1, memory: true},
		}, map[string][]int64{"u:7 2026-11": {1}}},
		{"an exhausted reader on the only writer needs no database", true, []view{
			{v: reader, story: 1, limit: 2, granted: true, used: 1},
			{v: reader, story: 2, limit: 2, granted: true, used: 2},
			{v: reader, story: 3, limit: 2, used: 2, memory: true},
			{v: reader, story: 4, limit: 2, used: 2, memory: true},
			{v: reader, story: 2, limit: 2, granted: true, used: 2, memory: true},
		}, map[string][]int64{"a:r1 2026-11": {1, 2}}},
		{"a refusal on a shared database is confirmed there", false, []view{
			{v: account, story: 1, limit: 2, granted: true, used: 1},
			{v: account, story: 2, limit: 2, granted: true, used: 2},
			{v: account, story: 3, limit: 2, used: 2},
			// Another instance merged a device that had read story 3
			// into the account: reading it again is free.
			{v: account, story: 3, limit: 2, before: func(f *fakeMeter) { f.count("u:7", "2026-11", 3) },
				granted: true, used: 3},
			// Now remembered.
			{v: account, story: 3, limit: 2, granted: true, used: 3, memory: true},
			{v: account, story: 4, limit: 2, used: 3},
		}, map[string][]int64{"u:7 2026-11": {1, 2, 3}}},
		// Another instance counting behind the service's back: only on a
		// shared database.
		{"a count the database reported past the stories known is confirmed", false, []view{
			{v: reader, story: 1, limit: 3, granted: true, used: 1},
			// A claim of story 2 racing this one was counted first.
			{v: reader, story: 3, limit: 3, before: func(f *fakeMeter) { f.count("a:r1", "2026-11", 2) },
				granted: true, used: 3},
			// Story 2 is not remembered, but three are counted and two
			// known: the database decides.
			{v: reader, story: 2, limit: 3, granted: true, used: 3},
			{v: reader, story: 4, limit: 3, used: 3},
		}, map[string][]int64{"a:r1 2026-11": {1, 2, 3}}},
		{"a story the database refused is not remembered as read", false, []view{
			{v: reader, story: 1, limit: 2, granted: true, used: 1},
			// A racing claim took the last free story first.
			{v: reader, story: 3, limit: 2, before: func(f *fakeMeter) { f.count("a:r1", "2026-11", 2) },
				used: 2},
			{v: reader, story: 3, limit: 2, used: 2},
			{v: reader, story: 3, limit: 2, used: 2},
		}, map[string][]int64{"a:r1 2026-11": {1, 2}}},
		{"an admin raising the limit lets the reader count more", true, []view{
			{v: reader, story: 1, limit: 1, granted: true, used: 1},
			{v: reader, story: 2, limit: 1, used: 1, memory: true},
			{v: reader, story: 2, limit: 2, granted: true, used: 2},
			{v: reader, story: 3, limit: 2, used: 2, memory: true},
		}, map[string][]int64{"a:r1 2026-11": {1, 2}}},
		{"an admin lowering the limit keeps re-reads", true, []view{
			{v: reader, story: 1, limit: 3, granted: true, used: 1},
			{v: reader, story: 2, limit: 3, granted: true, used: 2},
			{v: reader, story: 1, limit: 1, granted: true, used: 2, memory: true},
			{v: reader, story: 3, limit: 1, used: 2, memory: true},
		}, map[string][]int64{"a:r1 2026-11": {1, 2}}},
		{"a new month starts a new meter", true, []view{
			{v: reader, story: 1, limit: 1, granted: true, used: 1},
			{v: reader, story: 2, limit: 1, used: 1, memory: true},
			{v: reader, at: december, story: 2, limit: 1, granted: true, used: 1},
			{v: reader, at: december, story: 1, limit: 1, used: 1, memory: true},
		}, map[string][]int64{"a:r1 2026-11": {1}, "a:r1 2026-12": {2}}},
		{"a new reader's first story is carried, not written; it is counted on their return, once", true, []view{
			{v: Viewer{AnonID: "new", NewReader: true}, story: 1, limit: 3, granted: true, used: 1, memory: true},
			{v: carrying("new", 1), story: 1, limit: 3, granted: true, used: 1},
			{v: carrying("new", 1), story: 1, limit: 3, granted: true, used: 1, memory: true},
			// The carried story is remembered as counted: the next
			// story is recorded without a read.
			{v: carrying("new", 1), story: 2, limit: 3, granted: true, used: 2},
			{v: Viewer{AnonID: "new"}, story: 3, limit: 3, granted: true, used: 3},
			{v: carrying("new", 1), story: 4, limit: 3, used: 3, memory: true},
		}, map[string][]int64{"a:new 2026-11": {1, 2, 3}}},
		{"a new reader's first story on a shared database", false, []view{
			{v: Viewer{AnonID: "new", NewReader: true}, story: 1, limit: 1, granted: true, used: 1, memory: true},
			{v: carrying("new", 1), story: 1, limit: 1, granted: true, used: 1},
			{v: carrying("new", 1), story: 1, limit: 1, granted: true, used: 1, memory: true},
			{v: carrying("new", 1), story: 2, limit: 1, used: 1},
		}, map[string][]int64{"a:new 2026-11": {1}}},
		{"a returning reader's carried story is claimed with the new one, at once", true, []view{
			{v: carrying("new", 1), story: 2, limit: 2, granted: true, used: 2},
			{v: carrying("new", 1), story: 3, limit: 2, used: 2, memory: true},
			{v: carrying("new", 1), story: 1, limit: 2, granted: true, used: 2, memory: true},
		}, map[string][]int64{"a:new 2026-11": {1, 2}}},
		{"a returning reader's carried story on a shared database", false, []view{
			{v: carrying("new", 1), story: 2, limit: 2, granted: true, used: 2},
			{v: carrying("new", 1), story: 3, limit: 2, used: 2},
		}, map[string][]int64{"a:new 2026-11": {1, 2}}},
		{"a carried story is counted on its own when the meter is remembered without it", true, []view{
			// A premium story's view reads the meter and remembers it.
			{v: carrying("new", 1), story: 5, limit: 3, premium: true, used: 1},
			{v: carrying("new", 1), story: 2, limit: 3, granted: true, used: 2},
			{v: carrying("new", 1), story: 3, limit: 3, granted: true, used: 3},
			{v: carrying("new", 1), story: 4, limit: 3, used: 3, memory: true},
		}, map[string][]int64{"a:new 2026-11": {1, 2, 3}}},
		{"a carried story the meter has no room for is not counted, nor the new one", false, []view{
			{v: carrying("new", 1), story: 2, limit: 2, before: func(f *fakeMeter) { f.count("a:new", "2026-11", 7, 8) },
				used: 2},
			// Not remembered: the count is not of the stories known.
			{v: carrying("new", 1), story: 7, limit: 2, granted: true, used: 2},
		}, map[string][]int64{"a:new 2026-11": {7, 8}}},
		{"a read carried from last month does not count", true, []view{
			{v: carrying("new", 1), at: december, story: 2, limit: 1, granted: true, used: 1},
			{v: carrying("new", 1), at: december, story: 1, limit: 1, used: 1, memory: true},
		}, map[string][]int64{"a:new 2026-12": {2}}},
		{"a carried story is not counted on a premium or free story's view, but is reported used", true, []view{
			// The meter is read for the paywall's copy, not written.
			{v: carrying("new", 1), story: 2, limit: 3, premium: true, used: 1},
			{v: carrying("new", 1), story: 3, limit: 3, free: true, granted: true, used: 1, memory: true},
		}, nil},
		{"an account on a new device is read and counted on its meter, not recorded as a first read", true, []view{
			{v: Viewer{AnonID: "new", NewReader: true, AccountID: 7}, story: 1, limit: 3, granted: true, used: 1},
		}, map[string][]int64{"u:7 2026-11": {1}}},
		{"a new reader's first view of a free-limit-zero site needs no database", true, []view{
			{v: Viewer{AnonID: "new", NewReader: true}, story: 1, limit: 0, memory: true},
		}, nil},
		{"a subscriber needs no database", true, []view{
			{v: Viewer{AccountID: 7, Subscription: &billing.Subscription{Status: billing.Active, PaidUntil: december}},
				story: 1, limit: 0, granted: true, memory: true},
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeMeter()
			now := november
			s := &Service{Store: f, Now: func() time.Time { return now }, Exclusive: c.exclusive}
			for i, w := range c.views {
				if w.before != nil {
					w.before(f)
				}
				now = november
				if !w.at.IsZero() {
					now = w.at
				}
				before := f.calls()
				a := metered(w.story)
				switch {
				case w.premium:
					a.Access = content.Premium
				case w.free:
					a.Access = content.Free
				}
				d, err := s.Decide(context.Background(), w.v, a, limit(w.limit))
				if err != nil {
					t.Fatalf("view %d: %v", i, err)
				}
				got := f.calls().minus(before)
				reason := meter.MeterExhausted
				switch {
				case w.v.Subscription != nil:
					reason = meter.Subscriber
				case w.premium:
					reason = meter.PremiumOnly
				case w.free:
					reason = meter.FreeStory
				case w.granted:
					reason = meter.Metered
				}
				if d.Granted != w.granted || d.Used != w.used || d.Reason != reason {
					t.Errorf("view %d (story %d): granted=%v used=%d %s, want %v %d %s",
						i, w.story, d.Granted, d.Used, d.Reason, w.granted, w.used, reason)
				}
				if w.memory && got != (callCounts{}) {
					t.Errorf("view %d (story %d): %+v; want it decided without the database", i, w.story, got)
				}
			}
			wantMeters(t, f, c.counted)
		})
	}
}

// wantMeters checks that the store holds exactly the meters want: every
// reader and month counted, with the stories counted.
func wantMeters(t *testing.T, f *fakeMeter, want map[string][]int64) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, set := range f.sets {
		if len(set) > 0 && want[k] == nil {
			t.Errorf("meter %s counted %v, want nothing", k, set)
		}
	}
	for k, ids := range want {
		if !sameSet(f.sets[k], ids...) {
			t.Errorf("meter %s counted %v, want %v", k, f.sets[k], ids)
		}
	}
}

// A service sharing its database claims every new story there.
func TestDecideFailingClaimRemembersNothing(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }}
	ctx := context.Background()
	broken := errors.New("database gone")
	f.claimErr = broken
	if _, err := s.Decide(ctx, reader, metered(1), limit(3)); !errors.Is(err, broken) {
		t.Fatalf("Decide = %v, want the claim's error", err)
	}
	f.claimErr = nil
	d, err := s.Decide(ctx, reader, metered(1), limit(3))
	if err != nil || !d.Granted || d.Used != 1 {
		t.Fatalf("after the store recovers: %+v, %v; want granted, 1 used", d, err)
	}
	// Granted from a failed claim remembered as counted, the story would
	// not be counted in the store.
	wantMeters(t, f, map[string][]int64{"a:r1 2026-11": {1}})
}

func TestDecideNewReaderRecordsOnlyMeteredStories(t *testing.T) {
	newReader := Viewer{AnonID: "new", NewReader: true}
	cases := []struct {
		name    string
		access  content.Access
		granted bool
		reason  meter.Reason
	}{
		{"premium", content.Premium, false, meter.PremiumOnly},
		{"free", content.Free, true, meter.FreeStory},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeMeter()
			s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
			d, err := s.Decide(context.Background(), newReader, &content.Article{ID: 1, Access: c.access}, limit(3))
			if err != nil || d.Granted != c.granted || d.Reason != c.reason || d.Used != 0 || d.Remaining != 3 {
				t.Errorf("Decide = %+v, %v; want granted=%v %s, 0 used, 3 remaining", d, err, c.granted, c.reason)
			}
			wantMeters(t, f, nil)
		})
	}
}

// A new reader's first story is granted without a write and handed back
// to be carried; the reader's next view counts it, once, and says so.
func TestDecideCarriesANewReadersFirstStory(t *testing.T) {
	for _, exclusive := range []bool{true, false} {
		f := newFakeMeter()
		s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: exclusive}
		ctx := context.Background()
		d, err := s.Decide(ctx, Viewer{AnonID: "new", NewReader: true}, metered(1), limit(3))
		if err != nil || !d.Granted || d.Used != 1 || d.Remaining != 2 || d.FirstRead != (CarriedRead{"2026-11", 1}) || d.CarriedCounted {
			t.Fatalf("exclusive=%v: first story: %+v, %v; want granted, 1 used, story 1 of 2026-11 carried", exclusive, d, err)
		}
		wantMeters(t, f, nil)
		back := carrying("new", 1)
		for i, want := range []struct {
			story   int64
			used    int
			counted bool
		}{{2, 2, true}, {2, 2, false}, {3, 3, false}, {1, 3, false}} {
			d, err := s.Decide(ctx, back, metered(want.story), limit(3))
			if err != nil || !d.Granted || d.Used != want.used || d.CarriedCounted != want.counted || d.FirstRead != (CarriedRead{}) {
				t.Errorf("exclusive=%v: view %d of story %d: %+v, %v; want granted, %d used, carried counted now %v",
					exclusive, i, want.story, d, err, want.used, want.counted)
			}
		}
		if set := f.sets["a:new 2026-11"]; !sameSet(set, 1, 2, 3) {
			t.Errorf("exclusive=%v: meter %v, want 1, 2, 3", exclusive, set)
		}
	}
}

// A story carried and not counted yet whose count failed is counted when
// the reader comes back again: nothing false is remembered.
func TestDecideFailingCarriedCountRemembersNothing(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }}
	ctx := context.Background()
	broken := errors.New("database gone")
	f.claimErr = broken
	if _, err := s.Decide(ctx, carrying("new", 1), metered(2), limit(3)); !errors.Is(err, broken) {
		t.Fatalf("Decide = %v, want the claim's error", err)
	}
	f.claimErr = nil
	d, err := s.Decide(ctx, carrying("new", 1), metered(2), limit(3))
	if err != nil || !d.Granted || d.Used != 2 || !d.CarriedCounted {
		t.Fatalf("after the store recovers: %+v, %v; want granted, 2 used, the carried story counted", d, err)
	}
}

// A device carrying its first story signs in: the story counts on the
// account with those the device counted, once; one carried from an
// earlier month does not.
func TestMergeDeviceCountsTheCarriedStory(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	ctx := context.Background()
	f.count("a:d1", "2026-11", 2)
	f.count("u:7", "2026-11", 3)
	for range 2 {
		if err := s.MergeDevice(ctx, "d1", CarriedRead{"2026-11", 1}, 7, "2026-11"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MergeDevice(ctx, "d1", CarriedRead{"2026-10", 4}, 7, "2026-11"); err != nil {
		t.Fatal(err)
	}
	if set := f.sets["u:7 2026-11"]; !sameSet(set, 1, 2, 3) {
		t.Errorf("account's meter %v, want 1, 2, 3", set)
	}
	d, err := s.Decide(ctx, Viewer{AnonID: "d1", AccountID: 7}, metered(4), limit(3))
	if err != nil || d.Granted || d.Used != 3 {
		t.Errorf("a fourth story after the merge: %+v, %v; want refused, 3 used", d, err)
	}
}

func TestDecideFailingReadReturnsError(t *testing.T) {
	f := newFakeMeter()
	broken := errors.New("database gone")
	f.readErr = broken
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true}
	if _, err := s.Decide(context.Background(), reader, metered(1), limit(3)); !errors.Is(err, broken) {
		t.Fatalf("Decide = %v, want the read's error", err)
	}
	wantMeters(t, f, nil)
}

func TestMergeDeviceForgetsTheAccount(t *testing.T) {
	for _, exclusive := range []bool{true, false} {
		t.Run("exclusive="+strconv.FormatBool(exclusive), func(t *testing.T) {
			f := newFakeMeter()
			s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: exclusive}
			ctx := context.Background()
			account, device := Viewer{AnonID: "d1", AccountID: 7}, Viewer{AnonID: "d1"}
			for _, id := range []int64{1, 2} {
				if d, err := s.Decide(ctx, account, metered(id), limit(2)); err != nil || !d.Granted {
					t.Fatalf("account reads %d: %+v, %v", id, d, err)
				}
			}
			if d, err := s.Decide(ctx, device, metered(3), limit(2)); err != nil || !d.Granted {
				t.Fatalf("device reads 3: %+v, %v", d, err)
			}
			if err := s.MergeDevice(ctx, "d1", CarriedRead{}, 7, "2026-11"); err != nil {
				t.Fatal(err)
			}
			d, err := s.Decide(ctx, account, metered(3), limit(2))
			if err != nil || !d.Granted || d.Used != 3 {
				t.Errorf("account re-reads the device's story: %+v, %v; want granted, 3 used", d, err)
			}
			if d, _ := s.Decide(ctx, account, metered(4), limit(2)); d.Granted {
				t.Errorf("account reads a fourth story past a limit of 2: %+v", d)
			}
		})
	}
}

func TestMemoStaysBounded(t *testing.T) {
	f := newFakeMeter()
	s := &Service{Store: f, Now: func() time.Time { return november }, Exclusive: true, memoSize: memoShards}
	ctx := context.Background()
	for r := range 1000 {
		v := Viewer{AnonID: strconv.Itoa(r)}
		for _, id := range []int64{1, 2, 3} {
			d, err := s.Decide(ctx, v, metered(id), limit(2))
			if err != nil || d.Granted != (id < 3) {
				t.Fatalf("reader %d story %d: %+v, %v", r, id, d, err)
			}
		}
	}
	n := 0
	for i := range s.memo().shards {
		n += len(s.memo().shards[i].m)
	}
	if n > memoShards {
		t.Errorf("%d meters remembered, want at most %d", n, memoShards)
	}
	// A forgotten reader is read again and still held to the meter.
	d, err := s.Decide(ctx, Viewer{AnonID: "0"}, metered(4), limit(2))
	if err != nil || d.Granted || d.Used != 2 {
		t.Errorf("first reader again: %+v, %v; want refused, 2 used", d, err)
	}
}

func TestMemoDropsReadsThatMayBeStale(t *testing.T) {
	k := memoKey{"a:r1", "2026-11"}
	cases := []struct {
		name   string
		change func(m *memo)
	}{
		{"the meter was forgotten on purpose", func(m *memo) { m.drop(k) }},
		{"a claim found no entry to record in", func(m *memo) { m.claimed(k, 9, true, 3, false) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMemo(0)
			gen := m.generation(k)
			c.change(m)
			m.put(k, []int64{1, 2}, gen)
			if _, ok := m.get(k, 1); ok {
				t.Error("a read older than the change was remembered")
			}
			m.put(k, []int64{1, 2}, m.generation(k))
			if st, ok := m.get(k, 1); !ok || !st.counted || st.used != 2 || !st.complete {
				t.Errorf("a read after the change: %+v, %v; want story 1 counted, 2 used, complete", st, ok)
			}
		})
	}
}

func TestMemoUnionOfConfirmedReads(t *testing.T) {
	m := newMemo(0)
	k := memoKey{"a:r1", "2026-11"}
	m.put(k, []int64{1, 2}, m.generation(k))
	m.claimed(k, 3, true, 3, false)
	// An older read, taken before story 3 was counted, adds nothing wrong.
	m.put(k, []int64{2, 1}, m.generation(k))
	st, ok := m.get(k, 3)
	if !ok || !st.counted || st.used != 3 || !st.complete {
		t.Errorf("get = %+v, %v; want story 3 counted, 3 used, complete", st, ok)
	}
	m.claimed(k, 4, false, 5, false)
	if st, _ := m.get(k, 4); st.counted || st.used != 5 || st.complete {
		t.Errorf("after a refusal reporting 5 used: %+v; want not counted, 5 used, not complete", st)
	}
}
