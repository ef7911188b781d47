package web

import (
	"bytes"
	"html/template"
	"strings"
	"sync"
	"sync/atomic"

	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// copyParts keeps the article page's publication copy rendered for the
// current settings: the footer, advertisement slot and wire disclaimer,
// the paywall per reason and count, and the meter notice per count. The
// copy is a template an admin edits; rendering it once per settings, not
// per view, keeps it off the hot path. Nothing of one story or reader is
// in it: the story adds the paywall's log-in link (stories.go).
type copyParts struct {
	page atomic.Pointer[pageCopy]

	mu       sync.RWMutex
	cfg      *settings.Settings
	paywalls map[paywallKey]template.HTML
	notices  map[int]template.HTML
}

// pageCopy is the article page's parts that the settings alone decide.
type pageCopy struct {
	cfg        *settings.Settings
	foot       template.HTML // the footer, which names the publication
	ad         template.HTML // the advertisement slot, for readers who see ads
	disclaimer template.HTML // a wire story's, when read whole
}

// pageCopy returns the page parts for cfg, rendered when the settings
// changed.
func (s *Server) pageCopy(cfg *settings.Settings) (*pageCopy, error) {
	if pc := s.copy.page.Load(); pc != nil && pc.cfg == cfg {
		return pc, nil
	}
	t := s.pages["article"]
	var foot, ad, disclaimer strings.Builder
	if err := t.ExecuteTemplate(&foot, "page-foot", &page{Publication: cfg.Publication}); err != nil {
		return nil, err
	}
	if err := t.ExecuteTemplate(&ad, "ad", &page{ShowAds: true}); err != nil {
		return nil, err
	}
	if cfg.WireDisclaimer != "" {
		if err := t.ExecuteTemplate(&disclaimer, "disclaimer", cfg.WireDisclaimer); err != nil {
			return nil, err
		}
	}
	pc := &pageCopy{
		cfg: cfg, foot: template.HTML(foot.String()), ad: template.HTML(ad.String()),
		disclaimer: template.HTML(disclaimer.String()),
	}
	s.copy.page.Store(pc)
	return pc, nil
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
		c.notices = make(map[int]template.HTML)
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
func (s *Server) meterNotice(cfg *settings.Settings, used int) (template.HTML, error) {
	c := &s.copy
	c.mu.RLock()
	n, ok := c.notices[used]
	ok = ok && c.cfg == cfg
	c.mu.RUnlock()
	if ok {
		return n, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forSettings(cfg)
	if n, ok := c.notices[used]; ok {
		return n, nil
	}
	var buf strings.Builder
	if err := s.pages["article"].ExecuteTemplate(&buf, "meter-notice", cfg.MeterNotice.Render(cfg.Vars(used))); err != nil {
		return "", err
	}
	n = template.HTML(buf.String())
	c.notices[used] = n
	return n, nil
}
