// Package config reads the bootstrap settings an operator gives a process:
// flags, falling back to BROADSHEET_* environment variables. Editorial
// settings (meter, paywall copy, plans) live in the database instead.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is one process's bootstrap settings.
type Config struct {
	Addr        string // listen address, e.g. :8080
	DataDir     string // SQLite file and uploads
	DatabaseURL string // sqlite:///... or postgres://...
	BaseURL     string // public URL, for links in emails; derived from Addr when empty
	Secret      string // signs reader cookies; from the database when empty
	SMTPAddr    string // host:port; empty keeps mail in the outbox
	DebugAddr   string // where to serve Go's profiler (net/http/pprof); empty: nowhere
	SMTPFrom    string
	SMTPUser    string
	SMTPPass    string
	ClockOffset time.Duration // demo only: shifts the clock
	Demo        bool
}

// Parse reads flags for a subcommand, with environment fallbacks.
func Parse(name string, args []string, demo bool) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c := &Config{Demo: demo}
	fs.StringVar(&c.Addr, "addr", env("BROADSHEET_ADDR", ":8080"), "listen address")
	fs.StringVar(&c.DataDir, "data", env("BROADSHEET_DATA", "./data"), "directory for the SQLite file and uploads")
	fs.StringVar(&c.DatabaseURL, "db", env("BROADSHEET_DB", ""), "database URL: sqlite:///path/file.db or postgres://... (default: SQLite in --data)")
	fs.StringVar(&c.BaseURL, "base-url", env("BROADSHEET_BASE_URL", ""), "public URL of the site, for links in emails")
	c.Secret = os.Getenv("BROADSHEET_SECRET")
	c.SMTPAddr = os.Getenv("BROADSHEET_SMTP_ADDR")
	c.DebugAddr = os.Getenv("BROADSHEET_DEBUG_ADDR")
	c.SMTPFrom = env("BROADSHEET_SMTP_FROM", "Broadsheet <no-reply@localhost>")
	c.SMTPUser = os.Getenv("BROADSHEET_SMTP_USER")
	c.SMTPPass = os.Getenv("BROADSHEET_SMTP_PASSWORD")
	if demo {
		fs.DurationVar(&c.ClockOffset, "clock-offset", 0, "demo only: run the clock this far ahead (e.g. 720h) to see a month roll over or a renewal fall due")
	}
	if err := fs.Parse(args); err != nil {
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

// Secure reports whether the site is served over HTTPS, so cookies must be
// marked Secure.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
