// Package access makes the one decision every output asks before it shows
// a story: may this reader read it in full, and if not, what may be shown
// and why. Pages, the JSON API, structured data and Open Graph tags all go
// through Decide and Show, so gated text cannot leak through a side door.
package access

import (
	"context"
	"strconv"
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
	MeterState(ctx context.Context, reader, month string, articleID int64) (used int, alreadyRead bool, err error)
	ClaimRead(ctx context.Context, reader, month string, articleID int64, limit int, now time.Time) (bool, int, error)
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

// Service decides access.
type Service struct {
	Store MeterStore
	Now   func() time.Time
}

// Decide applies the meter for viewer and article, counting the read when
// it uses up a free story.
func (s *Service) Decide(ctx context.Context, v Viewer, a *content.Article, cfg *settings.Settings) (Decision, error) {
	now := s.Now()
	ent := EntitlementsOf(v.Subscription, now)
	d := Decision{FreeLimit: cfg.FreeLimit, Entitlements: ent}
	in := meter.Input{Subscriber: ent.Premium, Access: a.Access, Limit: cfg.FreeLimit}
	month := meter.Month(now, cfg.Location)
	key := v.MeterKey()
	// A device seen for the first time has read nothing under its own
	// meter; an account's meter has history whatever the device.
	fresh := v.NewReader && v.AccountID == 0
	if !in.Subscriber && !fresh {
		var err error
		if in.Used, in.AlreadyRead, err = s.Store.MeterState(ctx, key, month, a.ID); err != nil {
			return d, err
		}
	}
	rule := meter.Decide(in)
	d.Granted, d.Reason, d.Used = rule.Granted, rule.Reason, in.Used
	if rule.Count {
		// The rule said yes on what it read; the store says it again
		// atomically, since other requests of this reader may be racing.
		granted, used, err := s.Store.ClaimRead(ctx, key, month, a.ID, cfg.FreeLimit, now)
		if err != nil {
			return d, err
		}
		d.Granted, d.Used = granted, used
		if !granted {
			d.Reason = meter.MeterExhausted
		}
	}
	d.Remaining = meter.Remaining(d.Used, d.FreeLimit)
	return d, nil
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
	if d.Granted {
		return Shown{Paragraphs: ps, Full: true}
	}
	if leadParagraphs < len(ps) {
		ps = ps[:leadParagraphs]
	}
	return Shown{Paragraphs: ps}
}
