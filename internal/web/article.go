package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"broadsheet/internal/access"
	"broadsheet/internal/ads"
	"broadsheet/internal/dberr"
	"broadsheet/internal/meter"
)

// showArticle serves a story as the meter allows. The page is written as
// parts, each rendered by the templates once per its inputs and kept: per
// story (stories.go), per story and settings (framing.go), per settings
// (paywall.go). Only the masthead of a signed-in reader, which shows
// their account, is rendered per view.
func (s *Server) showArticle(w http.ResponseWriter, r *http.Request) error {
	now := s.Now()
	rs, err := s.story(r.Context(), r.PathValue("slug"), now)
	if errors.Is(err, dberr.ErrNotFound) {
		return s.redirectMoved(w, r)
	}
	if err != nil {
		return err
	}
	if r.Method == http.MethodHead {
		return headArticle(w)
	}
	v, err := s.identify(w, r)
	if err != nil {
		return err
	}
	if v.AccountID == 0 && s.Crawlers.Claimed(r.UserAgent()) >= 0 {
		// Only a request claiming to be a crawler is looked up: a
		// reader's view never waits on the DNS.
		v.Crawler = s.Crawlers.Verified(r.Context(), r.UserAgent(), clientAddr(r))
	}
	cfg := s.Settings.Get()
	d, err := s.Access.Decide(r.Context(), v.Viewer, rs.article, cfg)
	if err != nil {
		return err
	}
	s.setReaderCookie(w, v, d)
	secs, err := s.Content.Sections(r.Context())
	if err != nil {
		return err
	}
	pc, err := s.pageCopy(cfg)
	if err != nil {
		return err
	}
	f, err := s.framing(rs, pc, s.sectionNav(secs), now)
	if err != nil {
		return err
	}
	sv, err := s.storyForReader(rs, d, f)
	if err != nil {
		return err
	}
	// The slots are rendered with the settings: a pointer load and, for a
	// reader who sees ads, the policy's shared header value.
	sv.Inline = adFor(w, cfg.Ads, v, ads.ArticleInline)
	sv.End = adFor(w, cfg.Ads, v, ads.ArticleEnd)
	buf := s.buffer()
	defer s.releaseBuffer(buf)
	if err := s.writeArticle(buf, rs, f, v, noticeHTML(s.takeNotice(w, r)), &sv); err != nil {
		return err
	}
	return send(w, http.StatusOK, buf)
}

// writeArticle writes the article page for reader v: the layout's parts
// (page-head, masthead, page-foot) around the story.
//
// Each part was rendered by html/template, or escaped, in HTML text
// context, and begins and ends in that context (the masthead's top and
// bottom open and close its elements); written one after another, each is
// read in the context it was escaped for, so the page is as safe as one
// template execution.
func (s *Server) writeArticle(buf *bytes.Buffer, rs *renderedStory, f *storyFraming, v *viewer, notice template.HTML, sv *storyView) error {
	buf.WriteString(string(f.headOpen))
	buf.WriteByte('\n')
	if err := s.writeStoryHead(buf, rs, f.copy.cfg, f.anon); err != nil {
		return err
	}
	buf.WriteString(string(f.headClose))
	buf.WriteByte('\n')
	if v.SignedIn() {
		p := (&page{SectionNav: f.nav, Path: f.path}).withSettings(f.copy.cfg)
		p.forReader(v)
		if err := s.pages["article"].ExecuteTemplate(buf, "masthead", p); err != nil {
			return err
		}
	} else {
		buf.WriteString(string(f.masthead.top))
		buf.WriteString(string(f.signIn))
		buf.WriteString(string(f.masthead.bottom))
	}
	write := func(h template.HTML) { buf.WriteString(string(h)) }
	write("\n")
	write(notice)
	write("\n<main id=\"content\">\n")
	sv.writeTo(buf)
	write(sv.End)
	write(s.newsletterBoxFor(v.SignedIn()))
	write("</main>\n")
	write(f.copy.foot)
	return nil
}

// storyView is a story as one reader may see it, each part rendered.
type storyView struct {
	Top         template.HTML // section, headline, standfirst, byline
	MeterNotice template.HTML // for a metered read, or nothing
	Body        template.HTML // the blocks the reader may have
	Paywall     template.HTML // its copy, in place of the rest, or nothing for a whole story
	CTA         template.HTML // the paywall's button to the plans, which leads back to the story
	Login       template.HTML // the paywall's log-in link back to the story
	Disclaimer  template.HTML // a wire story's, when read whole
	// lead is where Body's lead paragraphs end when more of the story
	// follows them, or 0: the inline ad slot goes there.
	lead        int
	Inline, End template.HTML // the ad slots, or nothing (adFor)
}

// writeTo writes the story's <article> element.
func (sv *storyView) writeTo(buf *bytes.Buffer) {
	write := func(h template.HTML) { buf.WriteString(string(h)) }
	write(`<article class="story">`)
	write(sv.Top)
	write(sv.MeterNotice)
	write(`<div class="story-body">`)
	if sv.lead > 0 && sv.Inline != "" {
		// Blocks are whole elements, so the slot goes between two.
		write(sv.Body[:sv.lead])
		write(sv.Inline)
		write(sv.Body[sv.lead:])
	} else {
		write(sv.Body)
	}
	write(`</div>`)
	if sv.Paywall != "" {
		write("\n  <section class=\"paywall\" id=\"paywall\">")
		write(sv.Paywall)
		write(sv.CTA)
		write(sv.Login)
		write("  </section>")
	} else {
		write(sv.Disclaimer)
	}
	write("</article>\n")
}

// storyForReader cuts the story's rendered blocks by the reader's decision
// and adds the copy that goes with it, from the story's framing f: the
// paywall's button and log-in line lead back to the story.
func (s *Server) storyForReader(rs *renderedStory, d access.Decision, f *storyFraming) (storyView, error) {
	pc := f.copy
	shown := access.Project(rs.blocks, d, pc.cfg.LeadParagraphs)
	sv := storyView{Top: rs.top, Body: rs.html(shown.Blocks)}
	if k := pc.cfg.LeadParagraphs; len(shown.Blocks) > k {
		for _, b := range shown.Blocks[:k] {
			sv.lead += len(b)
		}
	}
	var err error
	if d.Reason == meter.Metered {
		if sv.MeterNotice, err = s.meterNotice(pc, d.Used); err != nil {
			return sv, err
		}
	}
	switch {
	case !shown.Whole:
		sv.Login = f.login
		if shown.Paywall == meter.VerticalOnly {
			sv.Paywall, err = s.verticalPaywall(pc.cfg)
		} else {
			sv.Paywall, err = s.paywall(pc, shown.Paywall, d.Used)
		}
		if err != nil {
			return sv, err
		}
		sv.CTA, err = s.paywallCTA(f, rs.article.Slug, d.Used)
	case rs.disclaimer != "":
		sv.Disclaimer = rs.disclaimer // the story's feed's
	case rs.article.WireSource != "":
		sv.Disclaimer = pc.disclaimer
	}
	return sv, err
}

// headArticle answers a HEAD of a story that exists with what every
// reader's GET of it shares. It decides nothing: what a reader may read,
// and so the length, are only worked out when the story is fetched, and a
// HEAD must never use up a free story.
func headArticle(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// redirectMoved answers a story's old address, one it left when its slug
// changed, with a permanent redirect to the new one; any other with 404.
func (s *Server) redirectMoved(w http.ResponseWriter, r *http.Request) error {
	slug, err := s.Articles.MovedTo(r.Context(), r.PathValue("slug"))
	if errors.Is(err, dberr.ErrNotFound) {
		return s.redirectImported(w, r) // an imported story's old address may look like ours
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/article/"+url.PathEscape(slug), http.StatusMovedPermanently)
	return nil
}
