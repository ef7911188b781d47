// Package access makes the one decision every output asks before it shows
// a story: may this reader read it in full, and if not, what may be shown
// and why. Pages, the JSON API, structured data and Open Graph tags all go
// through Decide and Show, so gated text cannot leak through a side door.
package access

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// Viewer is the reader asking: an anonymous device, a signed-in account, or
// both (an account reads under its own meter).
type Viewer struct {
	AnonID       string // from the signed reader cookie
	NewReader    bool   // the reader cookie was just issued
	AccountID    int64
	Subscription *billing.Subscription
	// Staff run the publication (admins): they read every story in full,
	// to check what readers get, whatever their own subscription.
	Staff bool
}

// EntitlementsAt returns what the viewer may have at a moment: the
// subscription's, and every story for staff.
func (v Viewer) EntitlementsAt(now time.Time) Entitlements {
	ent := EntitlementsOf(v.Subscription, now)
	if v.Staff {
		ent.Premium = true
	}
	return ent
}

// MeterKey names whose meter the viewer reads under.
func (v Viewer) MeterKey() string {
	if v.AccountID != 0 {
		return AccountMeterKey(v.AccountID)
	}
	return "a:" + v.AnonID
}

// AccountMeterKey is the meter key of an account.
func AccountMeterKey(accountID int64) string {
	return "u:" + strconv.FormatInt(accountID, 10)
}

// Entitlements are what a reader's plan gives. Every gate asks these.
type Entitlements struct {
	Premium bool // every story in full, outside the meter
	AdFree  bool // no ad slots
}

// EntitlementsOf returns what a subscription gives at a moment.
func EntitlementsOf(sub *billing.Subscription, now time.Time) Entitlements {
	if billing.Entitled(sub, now) {
		return Entitlements{Premium: true, AdFree: true}
	}
	return Entitlements{}
}

// MeterStore is the meter's storage.
type MeterStore interface {
	// MeterReads lists the stories counted against reader's month.
	MeterReads(ctx context.Context, reader, month string) ([]int64, error)
	ClaimRead(ctx context.Context, reader, month string, articleID int64, limit int, now time.Time) (bool, int, error)
	// RecordFirstRead counts the first story of a reader with no meter
	// yet; once it returns nil the story is counted and the count is 1.
	RecordFirstRead(ctx context.Context, reader, month string, articleID int64, now time.Time) error
	// RecordRead counts a story the caller decided is new to the reader
	// and under the limit, with nothing else writing the meter meanwhile;
	// once it returns nil the story is counted.
	RecordRead(ctx context.Context, reader, month string, articleID int64, now time.Time) error
	MergeReads(ctx context.Context, from, into, month string) (int, error)
}

// Decision is the answer for one reader and one story.
type Decision struct {
	Granted      bool
	Reason       meter.Reason
	FreeLimit    int
	Used         int
	Remaining    int
	Entitlements Entitlements
}

// Service decides access. It remembers what the database confirmed about
// each reader's meter this month (see memo.go), so a re-read or a view by a
// reader with no free stories left usually needs no read; every new story
// is still counted by the store, which alone grants it.
type Service struct {
	Store MeterStore
	Now   func() time.Time
	// Exclusive says the meter's store has no other writer (SQLite, one
	// process). Then a refusal on what is remembered is final, and a new
	// story of a meter remembered in full is decided in memory and only
	// written (see memo.go). Otherwise another instance may have counted
	// the story for this reader (a device merged into the account there),
	// so a refusal is checked against the database first, and every new
	// story is claimed there.
	Exclusive bool

	memoSize int // meters remembered; zero means defaultMemoSize
	memoOnce sync.Once
	memoMap  *memo
}

func (s *Service) memo() *memo {
	s.memoOnce.Do(func() { s.memoMap = newMemo(s.memoSize) })
	return s.memoMap
}

// Decide applies the meter for viewer and article, counting the read when
// it uses up a free story.
func (s *Service) Decide(ctx context.Context, v Viewer, a *content.Article, cfg *settings.Settings) (Decision, error) {
	for {
		d, wait, err := s.decide(ctx, v, a, cfg)
		if wait == nil {
			return d, err
		}
		// Another request of this reader is writing what this one
		// depends on: decide again once it has.
		select {
		case <-wait:
		case <-ctx.Done():
			return Decision{}, ctx.Err()
		}
	}
}

// decide is Decide, or a channel to wait on before deciding again.
func (s *Service) decide(ctx context.Context, v Viewer, a *content.Article, cfg *settings.Settings) (Decision, <-chan struct{}, error) {
	now := s.Now()
	ent := v.EntitlementsAt(now)
	d := Decision{FreeLimit: cfg.FreeLimit, Entitlements: ent}
	in := meter.Input{Subscriber: ent.Premium, Access: a.Access, Limit: cfg.FreeLimit}
	k := memoKey{v.MeterKey(), meter.Month(now, cfg.Location)}
	// A device seen for the first time has read nothing under its own
	// meter; an account's meter has history whatever the device.
	fresh := v.NewReader && v.AccountID == 0
	var st meterState
	if !in.Subscriber && !fresh {
		var err error
		if st, err = s.state(ctx, k, a.ID); err != nil {
			return d, nil, err
		}
	}
	in.Used, in.AlreadyRead = st.used, st.counted
	rule := meter.Decide(in)
	if rule.Reason == meter.MeterExhausted && !fresh && !st.loaded && !(s.Exclusive && st.complete) {
		// What is remembered may lag the database: confirm a refusal
		// there, since the story may be counted by now (a free re-read).
		var err error
		if st, err = s.loadMeter(ctx, k, a.ID); err != nil {
			return d, nil, err
		}
		in.Used, in.AlreadyRead = st.used, st.counted
		rule = meter.Decide(in)
	}
	d.Granted, d.Reason, d.Used = rule.Granted, rule.Reason, in.Used
	switch {
	case rule.Count && fresh:
		// A device seen for the first time cannot race itself: nothing
		// is counted under its id anywhere, so its first story is granted
		// and only needs writing before it is sent.
		if err := s.Store.RecordFirstRead(ctx, k.reader, k.month, a.ID, now); err != nil {
			return d, nil, err
		}
		s.memo().claimed(k, a.ID, true, 1, true)
		d.Granted, d.Used = true, 1
	case rule.Count && s.Exclusive:
		granted, used, wait, err := s.claimExclusive(ctx, k, a.ID, cfg.FreeLimit, now)
		if wait != nil || err != nil {
			return d, wait, err
		}
		d.Granted, d.Used = granted, used
		if !granted {
			d.Reason = meter.MeterExhausted
		}
	case rule.Count:
		// The rule said yes on what it knew; the store says it again
		// atomically, since other requests of this reader (here or on
		// another instance) may be racing.
		granted, used, err := s.Store.ClaimRead(ctx, k.reader, k.month, a.ID, cfg.FreeLimit, now)
		if err != nil {
			return d, nil, err
		}
		s.memo().claimed(k, a.ID, granted, used, false)
		d.Granted, d.Used = granted, used
		if !granted {
			d.Reason = meter.MeterExhausted
		}
	}
	d.Remaining = meter.Remaining(d.Used, d.FreeLimit)
	return d, nil, nil
}

// claimExclusive counts story id on meter k for a service that is the
// store's only writer. When the meter is remembered in full the story is
// decided in memory, reserved, and written with RecordRead: one cheap
// write, granted only once it has committed. Otherwise it is claimed in
// the database, with reservations on k held back meanwhile. A non-nil
// wait says another request of k is writing: decide again once it closes.
func (s *Service) claimExclusive(ctx context.Context, k memoKey, id int64, limit int, now time.Time) (granted bool, used int, wait <-chan struct{}, err error) {
	m := s.memo()
	switch r, used, wait := m.reserve(k, id, limit); r {
	case reserveWait:
		return false, 0, wait, nil
	case reserveCounted:
		return true, used, nil, nil
	case reserveFull:
		return false, used, nil, nil
	case reserved:
		err := s.Store.RecordRead(ctx, k.reader, k.month, id, now)
		m.recorded(k, id, err)
		if err != nil {
			return false, 0, nil, err
		}
		return true, used, nil, nil
	}
	if wait := m.beginClaim(k); wait != nil {
		return false, 0, wait, nil
	}
	granted, used, err = s.Store.ClaimRead(ctx, k.reader, k.month, id, limit, now)
	m.endClaim(k, id, granted, used, err)
	return granted, used, nil, err
}

// state is what is known of meter k and story id: remembered, or
// read from the database and remembered.
func (s *Service) state(ctx context.Context, k memoKey, id int64) (meterState, error) {
	if st, ok := s.memo().get(k, id); ok {
		return st, nil
	}
	return s.loadMeter(ctx, k, id)
}

// loadMeter reads meter k from the database and remembers it.
func (s *Service) loadMeter(ctx context.Context, k memoKey, id int64) (meterState, error) {
	m := s.memo()
	gen := m.generation(k)
	ids, err := s.Store.MeterReads(ctx, k.reader, k.month)
	if err != nil {
		return meterState{}, err
	}
	st := meterState{counted: slices.Contains(ids, id), used: len(ids), complete: true, loaded: true}
	m.put(k, ids, gen)
	return st, nil
}

// MergeDevice counts the stories the anonymous reader anonID read this
// month on the account signing in on that device, once each (the union),
// and forgets what was remembered of both meters so the next view reads
// the merged one.
func (s *Service) MergeDevice(ctx context.Context, anonID string, accountID int64, month string) error {
	device, account := "a:"+anonID, AccountMeterKey(accountID)
	m := s.memo()
	if s.Exclusive {
		// The merge raises the account's count behind its entry: no
		// story of the account may be decided in memory until the entry
		// is forgotten.
		k := memoKey{account, month}
		m.hold(k)
		defer m.release(k)
	}
	_, err := s.Store.MergeReads(ctx, device, account, month)
	// Forget even when the merge reported an error: it may have committed.
	m.drop(memoKey{account, month})
	m.drop(memoKey{device, month})
	return err
}

// Shown is the part of a story a reader may receive.
type Shown struct {
	Paragraphs []string
	Full       bool
}

// Show cuts a story to what the decision allows: everything, or the lead
// paragraphs. Every output renders from Shown, never from the article body.
func Show(a *content.Article, d Decision, leadParagraphs int) Shown {
	ps := a.Paragraphs()
	n, full := ShownCount(d, len(ps), leadParagraphs)
	return Shown{Paragraphs: ps[:n], Full: full}
}
