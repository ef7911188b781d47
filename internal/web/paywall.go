package web

import (
	"html/template"
	"strings"
	"sync"

	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// pageCopy is the article page's publication copy rendered for one version
// of the settings: the footer and wire disclaimer, and,
// as readers need them, the paywall per reason and count and the meter
// notice per count. The copy is a template an admin edits; rendering it
// once per settings, not per view, keeps it off the hot path. Nothing of
// one story or reader is in it: the story's framing adds the paywall's
// log-in line (framing.go). New settings make a new pageCopy, so nothing
// here is ever stale.
type pageCopy struct {
	cfg        *settings.Settings
	foot       template.HTML // the footer, which names the publication
	disclaimer template.HTML // a wire story's, when read whole

	mu       sync.RWMutex
	paywalls map[paywallKey]template.HTML
	notices  map[int]template.HTML
	ctas     map[int]string // the paywall button's copy, by count
}

type paywallKey struct {
	reason meter.Reason
	used   int
}

// pageCopy returns the page parts for cfg, rendered when the settings
// changed.
func (s *Server) pageCopy(cfg *settings.Settings) (*pageCopy, error) {
	if pc := s.copy.Load(); pc != nil && pc.cfg == cfg {
		return pc, nil
	}
	t := s.pages["article"]
	var foot, disclaimer strings.Builder
	if err := t.ExecuteTemplate(&foot, "page-foot", &page{Publication: cfg.Publication}); err != nil {
		return nil, err
	}
	if cfg.WireDisclaimer != "" {
		if err := t.ExecuteTemplate(&disclaimer, "disclaimer", cfg.WireDisclaimer); err != nil {
			return nil, err
		}
	}
	pc := &pageCopy{
		cfg: cfg, foot: template.HTML(foot.String()),
		disclaimer: template.HTML(disclaimer.String()),
		paywalls:   make(map[paywallKey]template.HTML), notices: make(map[int]template.HTML), ctas: make(map[int]string),
	}
	s.copy.Store(pc)
	return pc, nil
}

// paywall returns the paywall's copy for a reader refused for reason,
// shown in place of the rest of a story.
func (s *Server) paywall(pc *pageCopy, reason meter.Reason, used int) (template.HTML, error) {
	return kept(&pc.mu, pc.paywalls, paywallKey{reason, used}, func() (string, any) {
		vars := pc.cfg.Vars(used)
		data := struct{ Heading, Body string }{pc.cfg.PaywallHeading.Render(vars), pc.cfg.PaywallBody.Render(vars)}
		switch reason {
		case meter.PremiumOnly:
			data.Heading = pc.cfg.PremiumHeading.Render(vars)
		case meter.ArchiveOnly:
			data.Heading, data.Body = pc.cfg.ArchiveHeading.Render(vars), pc.cfg.ArchiveBody.Render(vars)
		}
		return "paywall-copy", data
	}, s.pages["article"])
}

// paywallCTA returns the paywall's button to the plans, which carries the
// story so that a reader who subscribes comes back to it. The story's
// framing keeps the last one rendered, with its copy: the copy may say how
// many stories the reader has read, but seldom does, so one button a
// story serves every count. Kept per count, up to four a story, the
// buttons took 7 MB of a server's heap under the load benchmark.
func (s *Server) paywallCTA(f *storyFraming, slug string, used int) (template.HTML, error) {
	text := f.copy.ctaCopy(used)
	if c := f.cta.Load(); c != nil && c.text == text {
		return c.html, nil
	}
	var buf strings.Builder
	if err := s.pages["article"].ExecuteTemplate(&buf, "paywall-cta", struct{ Slug, CTA string }{slug, text}); err != nil {
		return "", err
	}
	c := &renderedCTA{text: text, html: template.HTML(buf.String())}
	f.cta.Store(c)
	return c.html, nil
}

// renderedCTA is a story's paywall button, with the copy it was rendered
// for.
type renderedCTA struct {
	text string
	html template.HTML
}

// ctaCopy returns the paywall button's copy for a reader who has read used
// stories this month.
func (pc *pageCopy) ctaCopy(used int) string {
	pc.mu.RLock()
	text, ok := pc.ctas[used]
	pc.mu.RUnlock()
	if !ok {
		text = pc.cfg.PaywallCTA.Render(pc.cfg.Vars(used))
		pc.mu.Lock()
		pc.ctas[used] = text
		pc.mu.Unlock()
	}
	return text
}

// meterNotice returns the line telling a metered reader how many free
// stories are left.
func (s *Server) meterNotice(pc *pageCopy, used int) (template.HTML, error) {
	return kept(&pc.mu, pc.notices, used, func() (string, any) {
		return "meter-notice", pc.cfg.MeterNotice.Render(pc.cfg.Vars(used))
	}, s.pages["article"])
}

// kept returns m[k], rendering it with the template and data that input
// names and keeping it on first use.
func kept[K comparable](mu *sync.RWMutex, m map[K]template.HTML, k K, input func() (name string, data any), t *template.Template) (template.HTML, error) {
	mu.RLock()
	h, ok := m[k]
	mu.RUnlock()
	if ok {
		return h, nil
	}
	name, data := input()
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	h = template.HTML(buf.String())
	mu.Lock()
	m[k] = h
	mu.Unlock()
	return h, nil
}
