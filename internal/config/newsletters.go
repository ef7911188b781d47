package config

import (
	"fmt"
	"os"
	"strconv"
)

// Newsletters is how fast newsletter issues are sent.
type Newsletters struct {
	// Concurrency is how many messages go at once, each over its own SMTP
	// connection (BROADSHEET_NEWSLETTER_CONCURRENCY, default 4).
	Concurrency int
	// Rate caps the messages sent a second by one instance
	// (BROADSHEET_NEWSLETTER_RATE, default 0: as fast as the server
	// takes them), for a mail provider's sending limit.
	Rate float64
}

// DefaultNewsletterConcurrency is the connections a send opens by default.
const DefaultNewsletterConcurrency = 4

func newslettersFromEnv() (Newsletters, error) {
	n := Newsletters{Concurrency: DefaultNewsletterConcurrency}
	if v := os.Getenv("BROADSHEET_NEWSLETTER_CONCURRENCY"); v != "" {
		c, err := strconv.Atoi(v)
		if err != nil || c < 1 || c > 64 {
			return n, fmt.Errorf("BROADSHEET_NEWSLETTER_CONCURRENCY=%q: want a whole number from 1 to 64", v)
		}
		n.Concurrency = c
	}
	if v := os.Getenv("BROADSHEET_NEWSLETTER_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 1e6 {
			return n, fmt.Errorf("BROADSHEET_NEWSLETTER_RATE=%q: want messages a second, such as 50, or 0 for no limit", v)
		}
		n.Rate = r
	}
	return n, nil
}
