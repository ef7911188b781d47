package billing

import "time"

// Schedule is how automatic renewals are announced and how declined ones
// are retried: the publication's renewal settings, read each time, as an
// admin may change them.
type Schedule struct {
	// Notice is how long before each automatic charge the reader is
	// emailed its amount and date (the pre-debit notice).
	Notice time.Duration
	// Grace is how long after the paid term a reader whose renewal was
	// declined keeps reading while it is retried.
	Grace time.Duration
	// Retries are when a declined renewal is tried again, counted from
	// the first declined attempt.
	Retries []time.Duration
}

// DefaultSchedule is the schedule of a new publication: notice three
// days ahead, retries one, three and five days after a decline, and a
// week's grace.
var DefaultSchedule = Schedule{
	Notice:  3 * 24 * time.Hour,
	Grace:   7 * 24 * time.Hour,
	Retries: []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 5 * 24 * time.Hour},
}

// RenewalLead is how long before a term ends its renewal is charged, so
// that a decline is known, and the reader told, while they still read.
const RenewalLead = 24 * time.Hour

// NoticeMinLead is how long before an automatic charge its pre-debit
// notice must have gone out, as Indian rules for recurring payments ask.
// A notice sent later moves the charge.
const NoticeMinLead = 24 * time.Hour

// schedule is the renewal schedule now.
func (s *Service) schedule() Schedule {
	if s.Schedule == nil {
		return DefaultSchedule
	}
	return s.Schedule()
}

// AccessUntil is when the subscription stops giving access, as it stands:
// the end of the paid term, or later while its renewal is being collected
// (GraceUntil). A cancelled subscription gives access to the end of the
// term it paid for and no longer.
func AccessUntil(sub *Subscription) time.Time {
	if sub.AutoRenew && sub.GraceUntil != nil && sub.GraceUntil.After(sub.PaidUntil) {
		return *sub.GraceUntil
	}
	return sub.PaidUntil
}

// graceOver reports whether sub is a past-due subscription with no retry
// left whose grace period has run out: it ends now.
func graceOver(sub *Subscription, now time.Time) bool {
	return sub.Status == PastDue && sub.AutoRenew && sub.NextAttemptAt == nil && !now.Before(AccessUntil(sub))
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
