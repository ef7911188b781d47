package web

import (
	"bytes"
	"html/template"
	"sync"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// storyFragments keeps the rendered parts of an article page that are the
// same for every reader with the same decision: the story's header, and
// its body cut to what the decision allows with the paywall copy. The
// article page is the hottest path; rendering these once instead of on
// every view is most of its speed. Nothing per-reader (the meter notice,
// the account menu) is ever kept here.
type storyFragments struct {
	mu  sync.RWMutex
	m   map[fragmentKey]storyHTML
	max int
}

type fragmentKey struct {
	articleID int64
	updated   int64
	full      bool
	reason    meter.Reason
	used      int                // paywall copy may say how many were read
	cfg       *settings.Settings // a settings change renders anew
}

// storyHTML is a story's rendered header and body.
type storyHTML struct {
	Top, Rest template.HTML
	Head      template.HTML // Open Graph and JSON-LD
}

func (f *storyFragments) get(k fragmentKey) (storyHTML, bool) {
	f.mu.RLock()
	h, ok := f.m[k]
	f.mu.RUnlock()
	return h, ok
}

func (f *storyFragments) put(k fragmentKey, h storyHTML) {
	f.mu.Lock()
	if f.m == nil {
		f.m = make(map[fragmentKey]storyHTML)
	}
	if len(f.m) >= f.max {
		for old := range f.m {
			delete(f.m, old)
			break
		}
	}
	f.m[k] = h
	f.mu.Unlock()
}

// storyParts is what the fragments are rendered from.
type storyParts struct {
	Article        *content.Article
	Shown          access.Shown
	PaywallHeading string
	PaywallBody    string
	PaywallCTA     string
	Disclaimer     string
}

// renderStory returns the story's fragments for a decision, rendering them
// on first use.
func (s *Server) renderStory(a *content.Article, d access.Decision, cfg *settings.Settings) (storyHTML, error) {
	key := fragmentKey{articleID: a.ID, updated: a.UpdatedAt.UnixNano(), full: d.Granted, reason: d.Reason, cfg: cfg}
	if !d.Granted {
		key.used = d.Used
	}
	if h, ok := s.fragments.get(key); ok {
		return h, nil
	}
	parts := storyParts{Article: a, Shown: access.Show(a, d, cfg.LeadParagraphs)}
	if !d.Granted {
		vars := cfg.Vars(d.Used)
		parts.PaywallHeading = cfg.PaywallHeading.Render(vars)
		if d.Reason == meter.PremiumOnly {
			parts.PaywallHeading = "This is a premium story, for subscribers."
		}
		parts.PaywallBody = cfg.PaywallBody.Render(vars)
		parts.PaywallCTA = cfg.PaywallCTA.Render(vars)
	}
	if a.WireSource != "" {
		parts.Disclaimer = cfg.WireDisclaimer
	}
	var h storyHTML
	t := s.pages["article"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "story-top", parts); err != nil {
		return h, err
	}
	h.Top = template.HTML(buf.String())
	buf.Reset()
	if err := t.ExecuteTemplate(&buf, "story-rest", parts); err != nil {
		return h, err
	}
	h.Rest = template.HTML(buf.String())
	var err error
	if h.Head, err = articleHead(s.BaseURL, a); err != nil {
		return h, err
	}
	s.fragments.put(key, h)
	return h, nil
}
