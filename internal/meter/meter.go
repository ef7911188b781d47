// Package meter holds the rules of metered reading: how many stories a
// reader may open for free in a calendar month, and which reads count.
// It is pure: the store applies the same rule atomically when it records a
// read, and this package says what the rule is.
package meter

import (
	"time"

	"broadsheet/internal/content"
)

// Month names the calendar month that t falls in, in the publication's time
// zone: a read at 23:59 IST on 31 October is in "2026-10", one at 00:01 IST
// on 1 November is in "2026-11", whatever the server's zone.
func Month(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01")
}

// Reason says why a reader may or may not read a story in full.
type Reason string

// Reasons, as the JSON API reports them.
const (
	Subscriber     Reason = "subscriber"      // a subscriber reads everything
	FreeStory      Reason = "free"            // the story is outside the meter
	Metered        Reason = "metered"         // counted (or already counted) against the meter
	MeterExhausted Reason = "meter_exhausted" // no free stories left this month
	PremiumOnly    Reason = "premium"         // only subscribers may read it
	ArchiveOnly    Reason = "archive"         // an archive story, only for readers with the archive benefit
	VerticalOnly   Reason = "market_insights" // a story of the market-insights vertical, only for readers with that benefit
)

// Input is what the rule needs to know about a reader and a story.
type Input struct {
	Subscriber bool
	Access     content.Access
	// Archived is true when the story is past the archive cut-off and the
	// reader has not the archive benefit: the meter does not open it.
	Archived bool
	// Vertical is true when the story is in the market-insights vertical
	// and the reader has not that benefit: nothing opens it to them.
	Vertical    bool
	AlreadyRead bool // the story was counted for this reader this month
	Used        int  // distinct stories counted this month
	Limit       int  // free stories a month
}

// Decision is the rule's answer.
type Decision struct {
	Granted bool
	Reason  Reason
	// Count is true when granting uses up one of the month's free stories.
	Count bool
}

// Decide applies the rule. Re-reading a story already counted this month is
// free; a premium story never uses up the meter; lowering the limit below
// what a reader has used stops new stories but not re-reads.
func Decide(in Input) Decision {
	switch {
	case in.Archived:
		return Decision{Reason: ArchiveOnly}
	case in.Vertical:
		return Decision{Reason: VerticalOnly}
	case in.Subscriber:
		return Decision{Granted: true, Reason: Subscriber}
	case in.Access == content.Free:
		return Decision{Granted: true, Reason: FreeStory}
	case in.Access == content.Premium:
		return Decision{Reason: PremiumOnly}
	case in.AlreadyRead:
		return Decision{Granted: true, Reason: Metered}
	case in.Used < in.Limit:
		return Decision{Granted: true, Reason: Metered, Count: true}
	default:
		return Decision{Reason: MeterExhausted}
	}
}

// Remaining is how many free stories are left, never negative.
func Remaining(used, limit int) int {
	if used >= limit {
		return 0
	}
	return limit - used
}
