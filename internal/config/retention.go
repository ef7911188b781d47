package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Retention says how long the hourly pruning keeps each kind of row that
// would otherwise grow for ever. A zero field keeps that kind for ever.
type Retention struct {
	MeterMonths int           // calendar months of meter kept, this one included (BROADSHEET_RETAIN_METER)
	Sessions    time.Duration // after a session ends (BROADSHEET_RETAIN_SESSIONS)
	Links       time.Duration // after a sign-in link or emailed token expires (BROADSHEET_RETAIN_LINKS)
	Throttle    time.Duration // sign-in failures and email requests (BROADSHEET_RETAIN_THROTTLE)
	Jobs        time.Duration // after a background job is done (BROADSHEET_RETAIN_JOBS)
	Outbox      time.Duration // emails kept in the outbox (BROADSHEET_RETAIN_OUTBOX)
}

// DefaultRetention keeps the meter of this month and the previous one, and
// of the rest what an operator or a throttle could still want to look at.
func DefaultRetention() Retention {
	const day = 24 * time.Hour
	return Retention{MeterMonths: 2, Sessions: 90 * day, Links: 7 * day, Throttle: day, Jobs: 30 * day, Outbox: 30 * day}
}

// minRetention is the least any time-based retention may be: the sign-in
// throttles count what happened over the last day.
const minRetention = 24 * time.Hour

// retentionFromEnv reads the BROADSHEET_RETAIN_* variables over the defaults.
func retentionFromEnv() (Retention, error) {
	r := DefaultRetention()
	if v := os.Getenv("BROADSHEET_RETAIN_METER"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case v == "off":
			r.MeterMonths = 0
		case err != nil || n < 1 || n > 1200:
			return r, fmt.Errorf("BROADSHEET_RETAIN_METER %q: want the months of meter to keep, this one included (1 or more, default 2), or off", v)
		default:
			r.MeterMonths = n
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"BROADSHEET_RETAIN_SESSIONS", &r.Sessions},
		{"BROADSHEET_RETAIN_LINKS", &r.Links},
		{"BROADSHEET_RETAIN_THROTTLE", &r.Throttle},
		{"BROADSHEET_RETAIN_JOBS", &r.Jobs},
		{"BROADSHEET_RETAIN_OUTBOX", &r.Outbox},
	} {
		v := os.Getenv(d.name)
		if v == "" {
			continue
		}
		kept, err := parseRetention(v)
		if err != nil {
			return r, fmt.Errorf("%s %q: %w", d.name, v, err)
		}
		*d.to = kept
	}
	return r, nil
}

// parseRetention reads "90d", "36h" or off (0: keep for ever).
func parseRetention(v string) (time.Duration, error) {
	if v == "off" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
		if n > 100_000 {
			err = fmt.Errorf("too long")
		}
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < minRetention {
		return 0, fmt.Errorf("want a time of at least 1d, such as 30d or 36h, or off")
	}
	return d, nil
}
