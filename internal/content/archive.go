package content

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// The archive: the years, months and days that have published stories,
// each with its count, and one day's stories in publication order. Days,
// months and years are the publication's, in its time zone.

// ArchiveStore is where the archive is read.
type ArchiveStore interface {
	FirstPublished(ctx context.Context, now time.Time) (time.Time, bool, error)
	CountPublished(ctx context.Context, now time.Time, bounds []time.Time) ([]int, error)
	PublishedBetween(ctx context.Context, now, from, to time.Time, after *Cursor, limit int) ([]*Article, error)
	NextPublished(ctx context.Context, now time.Time) (time.Time, bool, error)
}

// yearsKept is how long the years' counts are kept at most: a change to
// a story (see Apply) or the next scheduled story's time drops them
// sooner.
const yearsKept = 10 * time.Minute

// archiveYears keeps the years' counts, which read the index of every
// published story, for one time zone.
type archiveYears struct {
	mu    sync.Mutex
	gen   int // counts Apply's calls, so counts read across one are not kept
	zone  string
	until time.Time
	years []Period
}

// Apply drops the kept counts of the archive's years: the changes may
// have published, moved or deleted a story.
func (s *Service) Apply(changes []Change) {
	if len(changes) == 0 {
		return
	}
	s.years.mu.Lock()
	defer s.years.mu.Unlock()
	s.years.gen++
	s.years.years, s.years.until = nil, time.Time{}
}

// Period is a year, a month or a day of the archive and how many stories
// were published in it. Month and Day are 0 where the period is longer.
type Period struct {
	Year, Month, Day int
	Count            int
}

// ArchiveYears lists the years with published stories, newest first.
func (s *Service) ArchiveYears(ctx context.Context, loc *time.Location) ([]Period, error) {
	now := s.Now()
	s.years.mu.Lock()
	gen := s.years.gen
	if s.years.zone == loc.String() && now.Before(s.years.until) {
		years := s.years.years
		s.years.mu.Unlock()
		return years, nil
	}
	s.years.mu.Unlock()
	years, err := s.countYears(ctx, loc, now)
	if err != nil {
		return nil, err
	}
	until := now.Add(yearsKept)
	next, ok, err := s.Archive.NextPublished(ctx, now)
	if err != nil {
		return nil, err
	}
	if ok && next.Before(until) {
		until = next
	}
	s.years.mu.Lock()
	defer s.years.mu.Unlock()
	if s.years.gen == gen {
		s.years.zone, s.years.until, s.years.years = loc.String(), until, years
	}
	return years, nil
}

func (s *Service) countYears(ctx context.Context, loc *time.Location, now time.Time) ([]Period, error) {
	first, ok, err := s.Archive.FirstPublished(ctx, now)
	if err != nil || !ok {
		return nil, err
	}
	from, to := first.In(loc).Year(), now.In(loc).Year()
	var bounds []time.Time
	for y := from; y <= to+1; y++ {
		bounds = append(bounds, time.Date(y, 1, 1, 0, 0, 0, 0, loc))
	}
	counts, err := s.Archive.CountPublished(ctx, now, bounds)
	if err != nil {
		return nil, err
	}
	var out []Period
	for i := len(counts) - 1; i >= 0; i-- {
		if counts[i] > 0 {
			out = append(out, Period{Year: from + i, Count: counts[i]})
		}
	}
	return out, nil
}

// ArchiveMonths lists the months of year with published stories, oldest
// first.
func (s *Service) ArchiveMonths(ctx context.Context, loc *time.Location, year int) ([]Period, error) {
	bounds := make([]time.Time, 13)
	for m := range bounds {
		bounds[m] = time.Date(year, time.Month(m+1), 1, 0, 0, 0, 0, loc)
	}
	counts, err := s.Archive.CountPublished(ctx, s.Now(), bounds)
	if err != nil {
		return nil, err
	}
	var out []Period
	for i, n := range counts {
		if n > 0 {
			out = append(out, Period{Year: year, Month: i + 1, Count: n})
		}
	}
	return out, nil
}

// ArchiveDays lists the days of a month with published stories, oldest
// first.
func (s *Service) ArchiveDays(ctx context.Context, loc *time.Location, year, month int) ([]Period, error) {
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, loc)
	days := start.AddDate(0, 1, -1).Day()
	bounds := make([]time.Time, days+1)
	for d := range bounds {
		bounds[d] = time.Date(year, time.Month(month), d+1, 0, 0, 0, 0, loc)
	}
	counts, err := s.Archive.CountPublished(ctx, s.Now(), bounds)
	if err != nil {
		return nil, err
	}
	var out []Period
	for i, n := range counts {
		if n > 0 {
			out = append(out, Period{Year: year, Month: month, Day: i + 1, Count: n})
		}
	}
	return out, nil
}

// DayBounds returns the instants a day of the publication starts and ends.
func DayBounds(loc *time.Location, year, month, day int) (from, to time.Time) {
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc), time.Date(year, time.Month(month), day+1, 0, 0, 0, 0, loc)
}

// ArchiveDay lists a day's published stories in publication order, a page
// at a time, after the cursor (nil: from the first). The cursor must lie
// within the day: ErrBadCursor otherwise.
func (s *Service) ArchiveDay(ctx context.Context, loc *time.Location, year, month, day int, after *Cursor) (Page, error) {
	from, to := DayBounds(loc, year, month, day)
	if after != nil && (after.PublishedAt.Before(from) || !after.PublishedAt.Before(to)) {
		return Page{}, ErrBadCursor
	}
	return page(s.Archive.PublishedBetween(ctx, s.Now(), from, to, after, PageSize+1))
}

// ArchiveDate reads the year, month and day of an archive address, as
// many as it has: a part that is "" (and those after it) is 0. ok is false
// for anything but digits naming a date that exists: a year of up to four
// digits, a month 1 to 12, a day the month has.
func ArchiveDate(year, month, day string) (y, m, d int, ok bool) {
	if y, ok = archiveNumber(year, 4, 1, 9999); !ok {
		return 0, 0, 0, false
	}
	if month != "" || day != "" {
		if m, ok = archiveNumber(month, 2, 1, 12); !ok {
			return 0, 0, 0, false
		}
	}
	if day != "" {
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d, ok = archiveNumber(day, 2, 1, last); !ok {
			return 0, 0, 0, false
		}
	}
	return y, m, d, true
}

// archiveNumber reads a number of at most digits digits, within [lo,
// hi]; ok is false for anything else (signs, spaces, letters).
func archiveNumber(v string, digits, lo, hi int) (int, bool) {
	if v == "" || len(v) > digits {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}
