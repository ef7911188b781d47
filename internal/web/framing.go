package web

import (
	"html/template"
	"sync/atomic"
	"time"

	"broadsheet/internal/access"
)

// storyFraming is what surrounds a story on its page for the current
// settings and section links: the two ends of the page head, whose
// <title> names the publication (the story's own tags go between them on
// each view, see writeStoryHead), a signed-out reader's masthead, whose log-in link leads
// back to the story, and the paywall's log-in line, in the settings' copy,
// which does too. It is kept with the story and rendered anew when the
// settings or the section links change, or when what a visitor may read
// of the story does (a free story passing into the archive); an
// anonymous view of the story then executes no template at all.
type storyFraming struct {
	copy *pageCopy
	nav  template.HTML
	anon access.Decision // what a visitor may read of it: the head's markup says so
	path string
	// The head from the doctype to <body>, around the story's own tags
	// (writeStoryHead).
	headOpen, headClose template.HTML
	masthead            *signedOutMasthead          // shared by every story
	signIn              template.HTML               // the masthead's log-in link back to the story
	login               template.HTML               // the paywall's log-in prompt and link
	cta                 atomic.Pointer[renderedCTA] // the paywall's button (see paywallCTA)
}

// signedOutMasthead is the masthead a signed-out reader sees around its
// log-in link, the same on every story for the settings and section links.
type signedOutMasthead struct {
	copy        *pageCopy
	nav         template.HTML
	top, bottom template.HTML
}

// framing returns the story's framing for the copy and section links at
// now.
func (s *Server) framing(rs *renderedStory, pc *pageCopy, nav template.HTML, now time.Time) (*storyFraming, error) {
	// The head's markup follows the access decision an anonymous reader
	// gets, which changes with time only when a free story passes into
	// the archive: a comparison per view, no allocation.
	anon := access.Anonymous(rs.article, now, pc.cfg)
	if f := rs.framing.Load(); f != nil && f.copy == pc && f.nav == nav && f.anon.Granted == anon.Granted {
		return f, nil
	}
	p := (&page{Title: rs.article.Headline, SectionNav: nav, Path: rs.path,
		Feeds: []feedLink{sectionFeed(rs.article.SectionSlug, rs.article.SectionName)}}).withSettings(pc.cfg)
	headOpen, err := s.renderKept("page-head-open", p)
	if err != nil {
		return nil, err
	}
	headClose, err := s.renderKept("page-head-close", p)
	if err != nil {
		return nil, err
	}
	masthead, err := s.signedOutMasthead(pc, nav)
	if err != nil {
		return nil, err
	}
	signIn, err := s.renderKept("masthead-reader", p)
	if err != nil {
		return nil, err
	}
	login, err := s.paywallLogin(pc, rs.article.Slug)
	if err != nil {
		return nil, err
	}
	f := &storyFraming{copy: pc, nav: nav, anon: anon, path: rs.path, headOpen: headOpen, headClose: headClose,
		masthead: masthead, signIn: signIn, login: login}
	// Two views may race to render it: either copy will do.
	rs.framing.Store(f)
	return f, nil
}

// signedOutMasthead returns the parts of a signed-out reader's masthead
// that every story shares, rendered when the settings or section links
// changed.
func (s *Server) signedOutMasthead(pc *pageCopy, nav template.HTML) (*signedOutMasthead, error) {
	if m := s.masthead.Load(); m != nil && m.copy == pc && m.nav == nav {
		return m, nil
	}
	p := (&page{SectionNav: nav}).withSettings(pc.cfg)
	top, err := s.renderKept("masthead-top", p)
	if err != nil {
		return nil, err
	}
	bottom, err := s.renderKept("masthead-bottom", p)
	if err != nil {
		return nil, err
	}
	m := &signedOutMasthead{copy: pc, nav: nav, top: top, bottom: bottom}
	s.masthead.Store(m)
	return m, nil
}

// paywallLogin renders the paywall's line for subscribers who are not
// signed in, in the settings' copy, with a link that leads back to the
// story.
func (s *Server) paywallLogin(pc *pageCopy, slug string) (template.HTML, error) {
	return s.renderKept("paywall-login", struct{ Slug, Prompt, Link string }{slug, pc.cfg.LoginPrompt, pc.cfg.LoginLink})
}

// renderKept renders a part of the article page to be kept with a story.
// It is rendered in a reused buffer and copied out at its exact length:
// kept for every story read, a string grown by appending would hold up to
// twice its length.
func (s *Server) renderKept(name string, data any) (template.HTML, error) {
	buf := s.buffer()
	defer s.releaseBuffer(buf)
	if err := s.pages["article"].ExecuteTemplate(buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}
