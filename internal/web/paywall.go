package web

import (
	"bytes"
	"html/template"
	"sync"

	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// copyParts keeps the article page's publication copy rendered for the
// current settings: the paywall per reason and count, and the meter notice
// per count. The copy is a template an admin edits; rendering it once per
// settings, not per view, keeps it off the hot path. Nothing of one story
// or reader is in it: the page template adds the paywall's log-in link,
// and escapes the notice.
type copyParts struct {
	mu       sync.RWMutex
	cfg      *settings.Settings
	paywalls map[paywallKey]template.HTML
	notices  map[int]string
}

type paywallKey struct {
	reason meter.Reason
	used   int
}

// forSettings empties the parts when the settings changed. Callers hold mu.
func (c *copyParts) forSettings(cfg *settings.Settings) {
	if c.cfg != cfg {
		c.cfg = cfg
		c.paywalls = make(map[paywallKey]template.HTML)
		c.notices = make(map[int]string)
	}
}

// paywall returns the paywall's copy for a reader refused for reason,
// shown in place of the rest of a story.
func (s *Server) paywall(cfg *settings.Settings, reason meter.Reason, used int) (template.HTML, error) {
	c := &s.copy
	k := paywallKey{reason, used}
	c.mu.RLock()
	p, ok := c.paywalls[k]
	ok = ok && c.cfg == cfg
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forSettings(cfg)
	if p, ok := c.paywalls[k]; ok {
		return p, nil
	}
	vars := cfg.Vars(used)
	data := struct{ Heading, Body, CTA string }{
		cfg.PaywallHeading.Render(vars), cfg.PaywallBody.Render(vars), cfg.PaywallCTA.Render(vars),
	}
	if reason == meter.PremiumOnly {
		data.Heading = "This is a premium story, for subscribers."
	}
	var buf bytes.Buffer
	if err := s.pages["article"].ExecuteTemplate(&buf, "paywall-copy", data); err != nil {
		return "", err
	}
	p = template.HTML(buf.String())
	c.paywalls[k] = p
	return p, nil
}

// meterNotice returns the line telling a metered reader how many free
// stories are left.
func (s *Server) meterNotice(cfg *settings.Settings, used int) string {
	c := &s.copy
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
