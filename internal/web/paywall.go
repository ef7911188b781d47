package web

import (
	"bytes"
	"html/template"
	"strings"
	"sync"

	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// copyParts keeps the article page's publication copy rendered for the
// current settings: the paywall per reason and count, and the meter notice
// per count. The copy is a template an admin edits;
// rendering it once per settings, not per view, keeps it off the hot path.
type copyParts struct {
	mu       sync.RWMutex
	cfg      *settings.Settings
	paywalls map[paywallKey]paywallHTML
	notices  map[int]string
}

type paywallKey struct {
	reason meter.Reason
	used   int
}

// paywallHTML is the paywall cut around the story's slug, which its log-in
// link carries.
type paywallHTML struct{ before, after string }

// forSettings empties the parts when the settings changed. Callers hold mu.
func (c *copyParts) forSettings(cfg *settings.Settings) {
	if c.cfg != cfg {
		c.cfg = cfg
		c.paywalls = make(map[paywallKey]paywallHTML)
		c.notices = make(map[int]string)
	}
}

const slugMarker = "bsSlug7Q2"

// paywall returns the paywall shown in place of the rest of a story.
func (s *Server) paywall(cfg *settings.Settings, reason meter.Reason, used int) (paywallHTML, error) {
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
	data := struct{ Heading, Body, CTA, Slug string }{
		cfg.PaywallHeading.Render(vars), cfg.PaywallBody.Render(vars), cfg.PaywallCTA.Render(vars), slugMarker,
	}
	if reason == meter.PremiumOnly {
		data.Heading = "This is a premium story, for subscribers."
	}
	var buf bytes.Buffer
	if err := s.pages["article"].ExecuteTemplate(&buf, "story-paywall", data); err != nil {
		return paywallHTML{}, err
	}
	before, after, _ := strings.Cut(buf.String(), slugMarker)
	p = paywallHTML{before, after}
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
		n = `<p class="meter-notice" id="meter-notice">` +
			template.HTMLEscapeString(cfg.MeterNotice.Render(cfg.Vars(used))) + `</p>`
		c.notices[used] = n
	}
	return n
}
