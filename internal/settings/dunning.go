package settings

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Keys of the renewal settings: how a reader is told of an automatic
// charge, and how long a declined renewal is retried while they keep
// reading.
const (
	KeyNoticeDays = "renewal_notice_days"
	KeyGraceDays  = "renewal_grace_days"
	KeyRetryDays  = "renewal_retry_days"
)

// renewalDefaults are the renewal settings of a new publication.
var renewalDefaults = map[string]string{
	KeyNoticeDays: "3",
	KeyGraceDays:  "7",
	KeyRetryDays:  "1,3,5",
}

// The renewal keys are defaulted and known to Update like every other
// setting, while their rules live here.
func init() { maps.Copy(Defaults, renewalDefaults) }

// Bounds of the renewal settings. A pre-debit notice must reach the reader
// at least a day before the charge; longer than a fortnight ahead it is
// forgotten by the day. Retries past two months would keep a reader who
// does not pay reading for longer than most terms.
const (
	minNoticeDays, maxNoticeDays = 1, 14
	maxGraceDays                 = 60
	maxRetries                   = 10
)

const day = 24 * time.Hour

// Renewals is how automatic renewals are announced and how declined ones
// are retried.
type Renewals struct {
	// Notice is how long before each automatic charge the reader is
	// emailed its amount and date.
	Notice time.Duration
	// Grace is how long after the paid term a reader whose renewal was
	// declined keeps reading while it is retried.
	Grace time.Duration
	// Retries are when a declined renewal is tried again, counted from
	// the first declined attempt; strictly increasing, none past Grace.
	Retries []time.Duration
}

// parseRenewals reads the renewal settings from all (defaults filled in).
func parseRenewals(all map[string]string) (Renewals, error) {
	notice, err := intIn(all, KeyNoticeDays, minNoticeDays, maxNoticeDays)
	if err != nil {
		return Renewals{}, err
	}
	grace, err := intIn(all, KeyGraceDays, 0, maxGraceDays)
	if err != nil {
		return Renewals{}, err
	}
	retries, err := parseRetryDays(all[KeyRetryDays], grace)
	if err != nil {
		return Renewals{}, fmt.Errorf("%s: %w", KeyRetryDays, err)
	}
	return Renewals{Notice: time.Duration(notice) * day, Grace: time.Duration(grace) * day, Retries: retries}, nil
}

// parseRetryDays reads a list such as "1,3,5": days after the first
// declined attempt, strictly increasing, none past the grace period (the
// last retry must still find the reader reading). Empty means no retry.
func parseRetryDays(value string, graceDays int) ([]time.Duration, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	parts := strings.Split(value, ",")
	if len(parts) > maxRetries {
		return nil, fmt.Errorf("at most %d retries, not %d", maxRetries, len(parts))
	}
	var out []time.Duration
	last := 0
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		switch {
		case err != nil || n < 1:
			return nil, fmt.Errorf("%q is not a whole number of days of at least 1; write days such as 1,3,5", strings.TrimSpace(p))
		case n <= last:
			return nil, fmt.Errorf("the days must increase: %d comes after %d", n, last)
		case n > graceDays:
			return nil, fmt.Errorf("day %d is past the grace period of %d days", n, graceDays)
		}
		out = append(out, time.Duration(n)*day)
		last = n
	}
	return out, nil
}
