package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// showArticle serves a story as the meter allows. The page runs the
// layout for this reader like every other page; what is the same for every
// reader of the story is kept rendered (stories.go), and the publication's
// copy per settings (paywall.go), so a view executes the layout once
// around them.
func (s *Server) showArticle(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.story(r.Context(), r.PathValue("slug"), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
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
	p := &articlePage{
		page: page{
			Title: rs.article.Headline, Publication: cfg.Publication, SectionNav: s.sectionNav(secs),
			Viewer: v, Notice: noticeHTML(s.takeNotice(w, r)), ShowAds: !v.Entitlements.AdFree,
			Path: rs.path, Head: rs.head,
		},
	}
	if p.story, err = s.storyForReader(rs, d, cfg); err != nil {
		return err
	}
	p.Data = &p.story
	return s.render(w, http.StatusOK, "article", &p.page)
}

// articlePage is the article page's data, the page and the story in one
// allocation.
type articlePage struct {
	page
	story storyView
}

// storyView is a story as one reader may see it, for the article template.
type storyView struct {
	Slug        string
	Top         template.HTML // section, headline, standfirst, byline
	MeterNotice string        // for a metered read, or nothing
	Body        template.HTML // the blocks the reader may have
	Paywall     template.HTML // in place of the rest, or nothing for a whole story
	Disclaimer  string        // a wire story's, when read whole
}

// storyForReader cuts the story's rendered blocks by the reader's decision
// and adds the copy that goes with it.
func (s *Server) storyForReader(rs *renderedStory, d access.Decision, cfg *settings.Settings) (storyView, error) {
	shown := access.Project(rs.blocks, d, cfg.LeadParagraphs)
	sv := storyView{Slug: rs.article.Slug, Top: rs.top, Body: rs.html(shown.Blocks)}
	if d.Reason == meter.Metered {
		sv.MeterNotice = s.meterNotice(cfg, d.Used)
	}
	var err error
	switch {
	case !shown.Whole:
		sv.Paywall, err = s.paywall(cfg, shown.Paywall, d.Used)
	case rs.article.WireSource != "":
		sv.Disclaimer = cfg.WireDisclaimer
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

// articleHead builds the Open Graph tags and schema.org NewsArticle
// markup. They describe the story with its headline and standfirst only;
// for a gated story they say which part is behind the paywall, as search
// engines ask, and carry none of its text.
func articleHead(baseURL string, a *content.Article) (string, error) {
	url := baseURL + "/article/" + a.Slug
	ld := map[string]any{
		"@context":            "https://schema.org",
		"@type":               "NewsArticle",
		"headline":            a.Headline,
		"description":         a.Summary,
		"datePublished":       a.PublishedAt.Format("2006-01-02T15:04:05Z07:00"),
		"dateModified":        a.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"),
		"mainEntityOfPage":    url,
		"articleSection":      a.SectionName,
		"isAccessibleForFree": a.Access == content.Free,
		"author":              map[string]string{"@type": "Person", "name": a.Author},
	}
	if a.Access != content.Free {
		ld["hasPart"] = map[string]any{"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".story-body"}
	}
	js, err := json.Marshal(ld)
	if err != nil {
		return "", err
	}
	esc := template.HTMLEscapeString
	return `<meta property="og:type" content="article">
<meta property="og:title" content="` + esc(a.Headline) + `">
<meta property="og:description" content="` + esc(a.Summary) + `">
<meta property="og:url" content="` + esc(url) + `">
<script type="application/ld+json">` + string(js) + `</script>`, nil
}
