// Package ads holds the publication's ad slots: the markup an admin gives
// each named slot, checked so that it loads nothing from anywhere but the
// site itself and the allowed origins, and the Content-Security-Policy a
// page carrying ads is served with. It is parsed with the settings (the
// slots and origins are settings), once per change, so that a page view
// only picks the rendered slot and the policy.
package ads

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"broadsheet/internal/httpguard"
)

// Slot is one place on the pages where an ad may go.
type Slot int

// The slots, in the console's order.
const (
	HomeTop       Slot = iota // the front page, under the masthead
	SectionTop                // a section's page (and the vertical's), under the masthead
	ArticleInline             // within a story, after its lead, when the story goes on
	ArticleEnd                // under a story
	numSlots
)

// SlotInfo names a slot and the setting that holds its markup.
type SlotInfo struct {
	Slot  Slot
	Name  string // the data-ad-slot attribute, such as home-top
	Key   string // the settings key
	Label string
}

// Keys of the settings that hold the slots' markup and the origins.
const (
	KeyOrigins       = "ad_origins"
	KeyHomeTop       = "ad_slot:home-top"
	KeySectionTop    = "ad_slot:section-top"
	KeyArticleInline = "ad_slot:article-inline"
	KeyArticleEnd    = "ad_slot:article-end"
)

// Slots lists every slot.
func Slots() []SlotInfo {
	return []SlotInfo{
		{HomeTop, "home-top", KeyHomeTop, "Front page, under the masthead"},
		{SectionTop, "section-top", KeySectionTop, "Section pages, under the masthead"},
		{ArticleInline, "article-inline", KeyArticleInline, "Within a story, after its lead paragraphs (when the story goes on)"},
		{ArticleEnd, "article-end", KeyArticleEnd, "Under a story"},
	}
}

// MaxMarkup bounds one slot's markup: an ad tag is a few hundred bytes,
// and the console's form must stay under the request bound with every
// slot full.
const MaxMarkup = 8 << 10

// Set is the slots' markup, checked and rendered, and the policy of a page
// that carries any of it. It never changes once made: new settings make a
// new Set.
type Set struct {
	Origins []string
	html    [numSlots]template.HTML
	csp     []string // the header's value, shared by every response; nil without origins
}

// Parse checks the origins and each slot's markup in raw (the settings,
// by key) and renders the slots.
func Parse(raw map[string]string) (*Set, error) {
	origins, err := ParseOrigins(raw[KeyOrigins])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyOrigins, err)
	}
	s := &Set{Origins: origins}
	if len(origins) > 0 {
		s.csp = []string{Policy(origins)}
	}
	for _, info := range Slots() {
		clean, err := Check(raw[info.Key], origins)
		if err != nil {
			return nil, fmt.Errorf("ad slot %s: %w", info.Name, err)
		}
		if clean != "" {
			s.html[info.Slot] = template.HTML(`<aside class="ad-slot" data-ad-slot="` + info.Name + `" aria-label="Advertisement">` + clean + `</aside>`)
		}
	}
	return s, nil
}

// HTML is the slot's rendered markup, or nothing for an empty slot.
func (s *Set) HTML(slot Slot) template.HTML { return s.html[slot] }

// Allow gives the response the policy of a page carrying ads: the
// site's own, with the allowed origins added where ads load from. Without
// origins the site's policy stands. The value is shared, not copied.
func (s *Set) Allow(h http.Header) {
	if s.csp != nil {
		h["Content-Security-Policy"] = s.csp
	}
}

// Policy is the site's Content-Security-Policy with origins allowed to
// serve scripts, images and frames, and to be fetched from (ad scripts
// report their views).
func Policy(origins []string) string {
	list := " " + strings.Join(origins, " ")
	p := httpguard.ContentSecurityPolicy
	p = strings.Replace(p, "script-src 'self'", "script-src 'self'"+list, 1)
	p = strings.Replace(p, "img-src 'self' data:", "img-src 'self' data:"+list, 1)
	return p + "; frame-src 'self'" + list + "; connect-src 'self'" + list
}
