// Package access makes the one decision every output asks before it shows
// a story: may this reader read it in full, and if not, what may be shown
// and why. Pages, the JSON API, structured data and Open Graph tags all go
// through Decide and Project, so gated text cannot leak through a side door.
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
	"broadsheet/internal/offer"
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
	// Crawler is a search engine's crawler whose address was verified
	// (see internal/crawlers): it reads every story in full, as search
	// engines index paywalled stories, and counts on no meter. A request
	// that only claims to be one is an anonymous reader.
	Crawler bool
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

// Entitlements are what a reader may have: their plan's benefits while
// their subscription gives access, and for staff and verified crawlers
// every story. Every gate (pages, the API, search snippets, partner
// codes, and newsletters to come) asks Has or Includes of the value
// Service.Entitlements makes, and nothing else.
type Entitlements struct {
	plan *offer.Grants // nil: no subscription giving access
	// everyStory: staff and verified crawlers read every story in full
	// (see offer.Kind.ForStaff).
	everyStory bool
}

// Has reports whether the reader has a benefit of kind k.
func (e Entitlements) Has(k offer.Kind) bool {
	return e.everyStory && k.ForStaff() || e.plan.Has(k)
}

// Includes reports whether the reader has the benefit b (a partner
// offer, say).
func (e Entitlements) Includes(b offer.Benefit) bool {
	return e.everyStory && b.Kind.ForStaff() || e.plan.Includes(b.ID)
}

// Subscribed reports whether the reader's subscription gives access now,
// whatever its plan includes.
func (e Entitlements) Subscribed() bool { return e.plan != nil }

// MeterStore is the meter's storage.
type MeterStore interface {
	// MeterList reads the reader's count this month and the stories
	// counted, writing nothing.
	MeterList(ctx context.Context, reader, month string) (used int, ids []int64, err error)
	// ClaimReads counts the stories ids in order, each only while the
	// month's count is below limit and the story is not counted yet,
	// atomically: counted[i] says ids[i] is counted (now or before), used
	// is the month's count afterwards.
	ClaimReads(ctx context.Context, reader, month string, ids []int64, limit int, now time.Time) (counted []bool, used int, err error)
	// MergeReads counts on into the stories from counted, and carried
	// when not 0 (a read from's signed id carries), once each, and
	// returns into's count.
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
	// CarriedCounted says the read the viewer carried is counted: the
	// caller may hand the reader their id without it.
	CarriedCounted bool
}

// Service decides access. Only the store grants a new story, by a
// conditional claim; the service keeps in memory what the store told it
// (see facts.go), so that a re-read needs no query, a refusal no write, and
// a refusal within RefusalFreshness of the database's complete list no
// read either.
type Service struct {
	Store MeterStore
	Now   func() time.Time
	// Catalog says what each plan includes, from memory.
	Catalog *offer.Catalog

	factsOnce sync.Once
	known     *facts
}

// Benefits lists the benefits e includes, in the offer's order, as the
// catalog has them (for apps, which gate as the site does).
func (s *Service) Benefits(e Entitlements) []offer.Benefit {
	var out []offer.Benefit
	for _, b := range s.Catalog.Get().Benefits() {
		if e.Includes(b) {
			out = append(out, b)
		}
	}
	return out
}

// Entitlements is what viewer v may have now.
func (s *Service) Entitlements(v Viewer) Entitlements { return s.EntitlementsAt(v, s.Now()) }

// EntitlementsAt is what v may have at now (a newsletter's send asks at
// the send's time): the benefits their plan includes while their
// subscription gives access (see billing.Entitled), and what staff and
// verified crawlers have. The plan's benefits come from
// the catalog in memory: no query.
func (s *Service) EntitlementsAt(v Viewer, now time.Time) Entitlements {
	e := Entitlements{everyStory: v.Staff || v.Crawler}
	if billing.Entitled(v.Subscription, now) {
		e.plan = s.Catalog.Get().Grants(v.Subscription.PlanID)
		if e.plan == nil {
			// A plan the catalog has not loaded yet (added on another
			// instance a moment ago) includes nothing until it does, but
			// its subscriber is a subscriber.
			e.plan = &offer.Grants{}
		}
	}
	return e
}

func (s *Service) facts() *facts {
	s.factsOnce.Do(func() { s.known = newFacts(defaultFactsSize) })
	return s.known
}

// Decide applies the meter for viewer and article, counting the read when
// it uses up a free story. A story past the archive cut-off is refused to a
// reader without the archive benefit, and one in the market-insights
// vertical to a reader without that benefit, whatever their meter, and
// spends nothing of it.
func (s *Service) Decide(ctx context.Context, v Viewer, a *content.Article, cfg *settings.Settings) (Decision, error) {
	now := s.Now()
	ent := s.EntitlementsAt(v, now)
	d := Decision{FreeLimit: cfg.FreeLimit, Entitlements: ent}
	in := input(ent, a, cfg, now)
	if in.Subscriber && !in.Archived && !in.Vertical {
		return d.decide(in), nil
	}
	month := meter.Month(now, cfg.Location)
	if v.NewReader && v.AccountID == 0 {
		// A device seen for the first time has nothing counted under its
		// new id, so its first story is granted without a write: it is
		// handed to the reader in their signed id (FirstRead) and counted
		// when they come back, so a client that keeps no cookies writes
		// nothing however often it asks.
		if meter.Decide(in).Count {
			d.FirstRead = CarriedRead{Month: month, ArticleID: a.ID}
			in.Used, in.AlreadyRead = 1, true
		}
		return d.decide(in), nil
	}

	// The story the reader's id carries was granted and not written: it is
	// claimed before anything else, so it counts once and before this one.
	var carried int64
	if v.Carried.In(month) && v.AccountID == 0 {
		carried = v.Carried.ArticleID
	}
	k := meterKey{v.MeterKey(), month}
	metered := a.Access == content.Metered && !in.Archived && !in.Vertical
	mem := s.facts().get(k, a.ID, carried, now)
	in.Used, in.AlreadyRead = mem.used, mem.counted
	carriedCounted := mem.otherCounted
	var claim []int64
	if carried != 0 && !carriedCounted {
		claim = append(claim, carried)
	}
	if len(claim) == 0 && !(metered && mem.counted) &&
		(!mem.ok || metered && in.Used >= in.Limit && !mem.completeFresh) {
		// Nothing is known, or what is known refuses the story and may be
		// stale: it may have been counted elsewhere since (another
		// instance, a merge), so ask the database for the month's whole
		// list, which spares the reader's next refusals a read. A read,
		// not a write.
		used, ids, err := s.Store.MeterList(ctx, k.reader, k.month)
		if err != nil {
			return d, err
		}
		s.facts().learn(k, used, ids, now)
		in.Used, in.AlreadyRead = used, slices.Contains(ids, a.ID)
	}
	if metered && !in.AlreadyRead && a.ID != carried && (len(claim) > 0 || in.Used < in.Limit) {
		claim = append(claim, a.ID)
	}
	if len(claim) > 0 {
		got, used, err := s.Store.ClaimReads(ctx, k.reader, k.month, claim, in.Limit, now)
		if err != nil {
			return d, err
		}
		counted := make([]int64, 0, len(claim))
		for i, id := range claim {
			if got[i] {
				counted = append(counted, id)
			}
		}
		s.facts().learn(k, used, counted, now)
		in.Used = used
		if claim[0] == carried {
			carriedCounted = got[0]
		}
		if claim[len(claim)-1] == a.ID {
			in.AlreadyRead = got[len(claim)-1]
		}
	}
	d.CarriedCounted = carried != 0 && carriedCounted
	return d.decide(in), nil
}

// input is what the meter's rule is asked about a story for a reader with
// ent at now. Whether the story is in the archive is a comparison of its
// time with the cut-off, and whether it is in the vertical a flag read
// with the story: no query.
func input(ent Entitlements, a *content.Article, cfg *settings.Settings, now time.Time) meter.Input {
	return meter.Input{
		Subscriber: ent.Has(offer.Premium), Access: a.Access, Limit: cfg.FreeLimit,
		Archived: !ent.Has(offer.Archive) && cfg.Archived(a.PublishedAt, now),
		Vertical: a.Vertical && !ent.Has(offer.MarketInsights),
	}
}

// decide fills in the meter's rule for what is known of the reader's month.
func (d Decision) decide(in meter.Input) Decision {
	rule := meter.Decide(in)
	d.Granted, d.Reason, d.Used = rule.Granted, rule.Reason, in.Used
	d.Remaining = meter.Remaining(d.Used, d.FreeLimit)
	return d
}

// MergeDevice counts the stories the anonymous reader anonID read this
// month on the account signing in on that device, once each (the union),
// the first read their signed id carries included. A merge only adds to
// the account's meter, so what is known of it stays true.
func (s *Service) MergeDevice(ctx context.Context, anonID string, carried CarriedRead, accountID int64, month string) error {
	var first int64
	if carried.In(month) {
		first = carried.ArticleID
	}
	used, err := s.Store.MergeReads(ctx, "a:"+anonID, AccountMeterKey(accountID), month, first, s.Now())
	if err == nil {
		s.facts().learn(meterKey{AccountMeterKey(accountID), month}, used, []int64{first}, s.Now())
	}
	return err
}
