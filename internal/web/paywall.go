package web

import (
	"sync"

	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// copyParts keeps the article page's publication copy rendered for the
// current settings: the paywall per reason and count, and the meter notice
// per count. The copy is a template an admin edits; rendering it once per
// settings, not per view, keeps its allocations off the hot path. It is
// kept as text: the page template escapes it and builds the links around
// it, so nothing an admin writes can change the page's markup.
type copyParts struct {
	mu       sync.RWMutex
	cfg      *settings.Settings
	paywalls map[paywallKey]*paywallCopy
	notices  map[int]string
}

type paywallKey struct {
	reason meter.Reason
	used   int
}

// paywallCopy is the paywall's text, shown in place of the rest of a story.
type paywallCopy struct{ Heading, Body, CTA string }

// forSettings empties the parts when the settings changed. Callers hold mu.
func (c *copyParts) forSettings(cfg *settings.Settings) {
	if c.cfg != cfg {
		c.cfg = cfg
		c.paywalls = make(map[paywallKey]*paywallCopy)
		c.notices = make(map[int]string)
	}
}

// paywall returns the paywall's copy for a reader refused for reason.
func (c *copyParts) paywall(cfg *settings.Settings, reason meter.Reason, used int) *paywallCopy {
	k := paywallKey{reason, used}
	c.mu.RLock()
	p, ok := c.paywalls[k]
	ok = ok && c.cfg == cfg
	c.mu.RUnlock()
	if ok {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forSettings(cfg)
	if p, ok := c.paywalls[k]; ok {
		return p
	}
	vars := cfg.Vars(used)
	p = &paywallCopy{cfg.PaywallHeading.Render(vars), cfg.PaywallBody.Render(vars), cfg.PaywallCTA.Render(vars)}
	if reason == meter.PremiumOnly {
		p.Heading = "This is a premium story, for subscribers."
	}
	c.paywalls[k] = p
	return p
}

// meterNotice returns the line telling a metered reader how many free
// stories are left.
func (c *copyParts) meterNotice(cfg *settings.Settings, used int) string {
	c.mu.RLock()
	n, ok := c.notices[used]
	ok = ok && c.cfg == cfg
	c.mu.RUnlock()
	if ok {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forSettings(cfg)
	n, ok = c.notices[used]
	if !ok {
		n = cfg.MeterNotice.Render(cfg.Vars(used))
		c.notices[used] = n
	}
	return n
}
