package config

import (
	"strings"
	"testing"
)

// The newsletters' sending settings: defaults, accepted values, and a
// value that is not one refused with the variable's name.
func TestNewsletterSendingSettings(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		concurrency, rate string
		want              Newsletters
		wantErr           string
	}{
		{"", "", Newsletters{Concurrency: DefaultNewsletterConcurrency}, ""},
		{"16", "50", Newsletters{Concurrency: 16, Rate: 50}, ""},
		{"0", "", Newsletters{}, "BROADSHEET_NEWSLETTER_CONCURRENCY"},
		{"65", "", Newsletters{}, "BROADSHEET_NEWSLETTER_CONCURRENCY"},
		{"four", "", Newsletters{}, "BROADSHEET_NEWSLETTER_CONCURRENCY"},
		{"", "-1", Newsletters{}, "BROADSHEET_NEWSLETTER_RATE"},
		{"", "fast", Newsletters{}, "BROADSHEET_NEWSLETTER_RATE"},
	} {
		t.Setenv("BROADSHEET_NEWSLETTER_CONCURRENCY", c.concurrency)
		t.Setenv("BROADSHEET_NEWSLETTER_RATE", c.rate)
		cfg, err := Parse("serve", []string{"--data", t.TempDir()}, false)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q, %q: error %v, want one naming %s", c.concurrency, c.rate, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("%q, %q: %v", c.concurrency, c.rate, err)
		case cfg.Newsletters != c.want:
			t.Errorf("%q, %q: %+v, want %+v", c.concurrency, c.rate, cfg.Newsletters, c.want)
		}
	}
}
