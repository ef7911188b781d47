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
	AnonID    string // from the signed reader cookie
	NewReader bool   // the reader cookie was just issued
	// Carried is the first read the reader's signed id carries, granted
	// and not yet written (see readertoken.go).
	Carried      CarriedRead
	AccountID    int64
	Subscription *billing.Subscription
	// Staff run the publication (editors and admins): they read every
	// story in full, to check what readers get, whatever their own
	// subscription.
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
	// ClaimCarried claims carried and then articleID as ClaimRead does,
	// at once, reporting for articleID and whether carried is counted.
	ClaimCarried(ctx context.Context, reader, month string, carried, articleID int64, limit int, now time.Time) (granted bool, used int, carriedCounted bool, err error)
	// RecordRead counts a story the caller decided is new to the reader
	// and under the limit, with nothing else writing the meter meanwhile;
	// once it returns nil the story is counted.
	RecordRead(ctx context.Context, reader, month string, articleID int64, now time.Time) error
	// MergeReads counts on into the stories from counted, and carried
	// when not 0 (a read from's signed id carries), once each.
	MergeReads(ctx context.Context, from, into, month string, carried int64, now time.Time) (int, error)
}

// Decision is the answer for one reader and one story.
type Decision struct {
	Granted      bool
	Reason       meter.Reason
	FreeLimit    int
	Used         int
	Remaining    int
	Entitlements Entitlements
	// FirstRead is set when the story was granted to a reader new to the
	// site and not written: the caller hands it to the reader in their
	// signed id, and it is counted when they come back with it.
	FirstRead CarriedRead
	// CarriedCounted says the read the viewer carried was counted now:
	// the caller may hand the reader their id without it.
	CarriedCounted bool

	counted bool // the story was counted (or confirmed counted) by this decision
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
	month := meter.Month(now, cfg.Location)
	var carriedCounted bool
	if c := v.Carried; c.In(month) && c.ArticleID != a.ID && a.Access == content.Metered && v.AccountID == 0 && !v.NewReader &&
		!v.EntitlementsAt(now).Premium {
		// The reader's first story was granted and not written: count it
		// first, as the story it was, so it is counted once and this one
		// after it. A story the reader carries and asks for again is
		// counted by the decision itself.
		k := memoKey{v.MeterKey(), month}
		st, known := s.memo().get(k, c.ArticleID)
		if !known {
			// The usual case: the reader's second story. Both are claimed
			// in one go (see claimCarried).
			return s.claimCarried(ctx, k, c.ArticleID, a.ID, cfg, now)
		}
		if !st.counted {
			first := &content.Article{ID: c.ArticleID, Access: content.Metered}
			d, wait, err := s.decideAt(ctx, Viewer{AnonID: v.AnonID}, first, cfg, now, month)
			if wait != nil || err != nil {
				return d, wait, err
			}
			carriedCounted = d.counted
		}
	}
	d, wait, err := s.decideAt(ctx, v, a, cfg, now, month)
	if c := v.Carried; c.In(month) && v.AccountID == 0 && !v.NewReader && wait == nil && err == nil {
		switch {
		case a.ID == c.ArticleID:
			carriedCounted = d.counted
		case a.Access != content.Metered && d.Reason != meter.Subscriber:
			// The meter was not written for a story outside it, but the
			// reader has had the story they carry: say so in what is left.
			if st, ok := s.memo().get(memoKey{v.MeterKey(), month}, c.ArticleID); ok && st.complete && !st.counted {
				d.Used++
				d.Remaining = meter.Remaining(d.Used, d.FreeLimit)
			}
		}
	}
	d.CarriedCounted = carriedCounted && v.AccountID == 0
	return d, wait, err
}

// decideAt decides story a for viewer v at now, in month.
func (s *Service) decideAt(ctx context.Context, v Viewer, a *content.Article, cfg *settings.Settings, now time.Time, month string) (Decision, <-chan struct{}, error) {
	ent := v.EntitlementsAt(now)
	d := Decision{FreeLimit: cfg.FreeLimit, Entitlements: ent}
	in := meter.Input{Subscriber: ent.Premium, Access: a.Access, Limit: cfg.FreeLimit}
	k := memoKey{v.MeterKey(), month}
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
		// A device seen for the first time has nothing counted under its
		// new id, so its first story is granted; it is not written but
		// handed to the reader in their signed id (FirstRead), so a client
		// that keeps no cookies writes nothing however often it asks.
		d.Granted, d.Used = true, 1
		d.FirstRead = CarriedRead{Month: k.month, ArticleID: a.ID}
	case rule.Count && s.Exclusive:
		granted, used, wait, err := s.claimExclusive(ctx, k, a.ID, cfg.FreeLimit, now)
		if wait != nil || err != nil {
			return d, wait, err
		}
		d.Granted, d.Used, d.counted = granted, used, granted
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
		d.Granted, d.Used, d.counted = granted, used, granted
		if !granted {
			d.Reason = meter.MeterExhausted
		}
	}
	d.Remaining = meter.Remaining(d.Used, d.FreeLimit)
	return d, nil, nil
}

// claimCarried decides story id on meter k, not remembered, of a reader
// whose signed id carries their first story, carried: both are claimed
// in the database at once, carried first. When the count reported is of
// those two stories alone (the reader's second story, as a rule), that is
// the whole meter, and it is remembered so. On the store's only writer the
// claim holds back reservations on k, as any claim does; a non-nil wait
// says stories of k are being written: decide again once it closes.
func (s *Service) claimCarried(ctx context.Context, k memoKey, carried, id int64, cfg *settings.Settings, now time.Time) (Decision, <-chan struct{}, error) {
	d := Decision{FreeLimit: cfg.FreeLimit, Reason: meter.Metered}
	m := s.memo()
	if s.Exclusive {
		if wait := m.beginClaim(k); wait != nil {
			return d, wait, nil
		}
	}
	gen := m.generation(k)
	granted, used, carriedCounted, err := s.Store.ClaimCarried(ctx, k.reader, k.month, carried, id, cfg.FreeLimit, now)
	if err == nil {
		var ids []int64
		if carriedCounted {
			ids = append(ids, carried)
		}
		if granted {
			ids = append(ids, id)
		}
		if len(ids) == used {
			// Confirmed counted, and as many as are: all of the meter.
			m.put(k, ids, gen)
		}
	}
	if s.Exclusive {
		m.endClaim(k, id, granted, used, err)
	} else if err == nil {
		m.claimed(k, id, granted, used, false)
	}
	if err != nil {
		return d, nil, err
	}
	d.Granted, d.Used, d.counted = granted, used, granted
	d.CarriedCounted = carriedCounted
	if !granted {
		d.Reason = meter.MeterExhausted
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
// the first read their signed id carries included, and forgets what was
// remembered of both meters so the next view reads the merged one.
func (s *Service) MergeDevice(ctx context.Context, anonID string, carried CarriedRead, accountID int64, month string) error {
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
	var first int64
	if carried.In(month) {
		first = carried.ArticleID
	}
	_, err := s.Store.MergeReads(ctx, device, account, month, first, s.Now())
	// Forget even when the merge reported an error: it may have committed.
	m.drop(memoKey{account, month})
	m.drop(memoKey{device, month})
	return err
}
