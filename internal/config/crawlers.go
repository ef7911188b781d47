package config

import (
	"fmt"
	"os"
	"time"

	"broadsheet/internal/crawlers"
)

// Crawlers says which search engines' crawlers read gated stories in
// full once their address is verified (see internal/crawlers).
type Crawlers struct {
	List    []crawlers.Crawler // BROADSHEET_CRAWLERS; crawlers.Defaults unless set
	Timeout time.Duration      // BROADSHEET_CRAWLER_TIMEOUT: how long a page waits for the DNS
	TTL     time.Duration      // BROADSHEET_CRAWLER_TTL: how long an answer is believed
	// Resolver answers the lookups; nil is the system's. Tests set one.
	Resolver crawlers.Resolver
}

// crawlersFromEnv reads the BROADSHEET_CRAWLER* variables.
func crawlersFromEnv() (Crawlers, error) {
	c := Crawlers{List: crawlers.Defaults, Timeout: crawlers.DefaultTimeout, TTL: crawlers.DefaultTTL}
	if v := os.Getenv("BROADSHEET_CRAWLERS"); v != "" {
		list, err := crawlers.ParseList(v)
		if err != nil {
			return c, fmt.Errorf("BROADSHEET_CRAWLERS: %w", err)
		}
		c.List = list
	}
	for _, d := range []struct {
		name    string
		to      *time.Duration
		least   time.Duration
		example string
	}{
		{"BROADSHEET_CRAWLER_TIMEOUT", &c.Timeout, time.Millisecond, "500ms"},
		{"BROADSHEET_CRAWLER_TTL", &c.TTL, time.Second, "6h"},
	} {
		v := os.Getenv(d.name)
		if v == "" {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t < d.least {
			return c, fmt.Errorf("%s %q: want a duration such as %s", d.name, v, d.example)
		}
		*d.to = t
	}
	return c, nil
}
