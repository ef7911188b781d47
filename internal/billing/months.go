package billing

import "time"

// AddMonths adds n calendar months to t in loc, clamping to the last day of
// the target month: 31 January + 1 month is 28 (or 29) February, and
// 31 January + 2 months is 31 March again, because terms are always counted
// from the subscription's anchor, never chained from a clamped date.
func AddMonths(t time.Time, n int, loc *time.Location) time.Time {
	local := t.In(loc)
	y, m, d := local.Date()
	first := time.Date(y, m+time.Month(n), 1, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc).UTC()
}
