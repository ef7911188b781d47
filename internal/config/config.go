// Package config reads the bootstrap settings an operator gives a process:
// flags, falling back to BROADSHEET_* environment variables. Editorial
// settings (meter, paywall copy, plans) live in the database instead.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/clientaddr"
)

// Config is one process's bootstrap settings.
type Config struct {
	Addr        string // listen address, e.g. :8080
	DataDir     string // SQLite file and uploads
	DatabaseURL string // sqlite:///... or postgres://...
	BaseURL     string // public URL, for links in emails; derived from Addr when empty
	Secret      string // signs reader cookies; see CheckSecret; when empty, SQLite keeps one in a file
	SMTPAddr    string // host:port; empty keeps mail in the outbox
	DebugAddr   string // where to serve Go's profiler (net/http/pprof); empty: nowhere
	SMTPFrom    string
	SMTPUser    string
	SMTPPass    string
	ClockOffset time.Duration // demo only: shifts the clock
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed for the client address (BROADSHEET_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// HashConcurrency caps the password hashes computed at once
	// (BROADSHEET_HASH_CONCURRENCY); 0 takes accounts' default.
	HashConcurrency int
	Demo            bool
	// TestGatewayDelay makes the built-in test gateway wait this long
	// before and after recording each charge (BROADSHEET_TEST_GATEWAY_DELAY),
	// so that tests can stop the process while charges are in flight.
	TestGatewayDelay time.Duration
	// PrintEmails copies every email to standard output: the demo does,
	// as the admin outbox hides sign-in links.
	PrintEmails bool
	// WireAllowPrivate lets wire feeds be fetched from loopback and
	// private addresses (BROADSHEET_WIRE_ALLOW_PRIVATE=true), which are
	// refused otherwise.
	WireAllowPrivate bool

	// Retain says how long pruning keeps old rows (BROADSHEET_RETAIN_*).
	Retain Retention
	// Payments is the payment provider and its keys.
	Payments Payments
	// Crawlers are the search engines' crawlers verified by DNS.
	Crawlers Crawlers
	// StoryCacheMB bounds the memory of the rendered stories a server
	// keeps, in MiB (BROADSHEET_STORY_CACHE_MB); 0 keeps the default, 64.
	StoryCacheMB int
	// SitemapURLs is how many stories a sitemap file lists at most; 0 is
	// the sitemaps protocol's limit, 50,000. Tests set fewer.
	SitemapURLs int
	// Newsletters is how fast issues are sent.
	Newsletters Newsletters
}

// Parse reads flags for a subcommand, with environment fallbacks.
func Parse(name string, args []string, demo bool) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c := &Config{Demo: demo, PrintEmails: demo}
	// The demo's passwords are published: it listens on loopback only
	// unless told otherwise.
	defaultAddr := ":8080"
	if demo {
		defaultAddr = "127.0.0.1:8080"
	}
	fs.StringVar(&c.Addr, "addr", env("BROADSHEET_ADDR", defaultAddr), "listen address")
	fs.StringVar(&c.DataDir, "data", env("BROADSHEET_DATA", "./data"), "directory for the SQLite file and uploads")
	fs.StringVar(&c.DatabaseURL, "db", env("BROADSHEET_DB", ""), "database URL: sqlite:///path/file.db or postgres://... (default: SQLite in --data)")
	fs.StringVar(&c.BaseURL, "base-url", env("BROADSHEET_BASE_URL", ""), "public URL of the site, for links in emails")
	c.Secret = os.Getenv("BROADSHEET_SECRET")
	c.SMTPAddr = os.Getenv("BROADSHEET_SMTP_ADDR")
	c.DebugAddr = os.Getenv("BROADSHEET_DEBUG_ADDR")
	c.SMTPFrom = env("BROADSHEET_SMTP_FROM", "Broadsheet <no-reply@localhost>")
	c.SMTPUser = os.Getenv("BROADSHEET_SMTP_USER")
	c.SMTPPass = os.Getenv("BROADSHEET_SMTP_PASSWORD")
	proxies, hashes := os.Getenv("BROADSHEET_TRUSTED_PROXIES"), os.Getenv("BROADSHEET_HASH_CONCURRENCY")
	if demo {
		fs.DurationVar(&c.ClockOffset, "clock-offset", 0, "demo only: run the clock this far ahead (e.g. 720h) to see a month roll over or a renewal fall due")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := c.parseSignInLimits(proxies, hashes); err != nil {
		return nil, err
	}
	var err error
	if v := os.Getenv("BROADSHEET_TEST_GATEWAY_DELAY"); v != "" {
		if c.TestGatewayDelay, err = time.ParseDuration(v); err != nil || c.TestGatewayDelay < 0 {
			return nil, fmt.Errorf("BROADSHEET_TEST_GATEWAY_DELAY=%q: want a duration such as 500ms", v)
		}
	}
	switch v := os.Getenv("BROADSHEET_WIRE_ALLOW_PRIVATE"); v {
	case "", "false", "0":
	case "true", "1":
		c.WireAllowPrivate = true
	default:
		return nil, fmt.Errorf("BROADSHEET_WIRE_ALLOW_PRIVATE=%q: want true or false", v)
	}
	if v := os.Getenv("BROADSHEET_STORY_CACHE_MB"); v != "" {
		if c.StoryCacheMB, err = strconv.Atoi(v); err != nil || c.StoryCacheMB < 1 || c.StoryCacheMB > 1<<20 {
			return nil, fmt.Errorf("BROADSHEET_STORY_CACHE_MB=%q: want a whole number of MiB, such as 64", v)
		}
	}
	if c.Retain, err = retentionFromEnv(); err != nil {
		return nil, err
	}
	if c.Payments, err = paymentsFromEnv(); err != nil {
		return nil, err
	}
	if c.Crawlers, err = crawlersFromEnv(); err != nil {
		return nil, err
	}
	if c.Newsletters, err = newslettersFromEnv(); err != nil {
		return nil, err
	}
	return c, c.finish()
}

func (c *Config) finish() error {
	if c.DatabaseURL == "" {
		abs, err := filepath.Abs(filepath.Join(c.DataDir, "broadsheet.db"))
		if err != nil {
			return err
		}
		c.DatabaseURL = "sqlite://" + abs
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite://") && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("--db %q: want sqlite:///path/file.db or postgres://user@host/db", c.DatabaseURL)
	}
	if c.Addr == "" {
		return errors.New("--addr is empty")
	}
	if c.Secret != "" {
		if err := CheckSecret(c.Secret); err != nil {
			return err
		}
	}
	if c.BaseURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.BaseURL = "http://" + host
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q: want an absolute http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return nil
}

// parseSignInLimits reads the trusted proxies and the password-hash cap.
func (c *Config) parseSignInLimits(proxies, hashes string) error {
	var err error
	if c.TrustedProxies, err = clientaddr.ParseList(proxies); err != nil {
		return fmt.Errorf("BROADSHEET_TRUSTED_PROXIES: %w; give a comma-separated list of the proxies' addresses", err)
	}
	if hashes != "" {
		n, err := strconv.Atoi(hashes)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("BROADSHEET_HASH_CONCURRENCY %q: want a whole number from 1 to 256 (each hash takes about 19 MiB)", hashes)
		}
		c.HashConcurrency = n
	}
	return nil
}

// Secure reports whether the site is served over HTTPS, so cookies must be
// marked Secure.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
