package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// showArticle serves a story as the meter allows, put together from parts
// kept rendered: the page around it for this kind of reader (shell.go),
// the story (stories.go) and the publication's copy (paywall.go). Only the
// decision and the meter notice are worked out per view.
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
	sh, err := s.shell(shellKeyFor(cfg, s.sectionNav(secs), v))
	if err != nil {
		return err
	}
	story, err := s.storyForReader(rs, d, cfg)
	if err != nil {
		return err
	}
	parts := pageParts{
		title: rs.title, head: rs.head, path: rs.path,
		notice: string(noticeHTML(s.takeNotice(w, r))), story: story,
	}
	buf := s.buffer()
	defer s.releaseBuffer(buf)
	sh.write(buf, &parts)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "private, no-store")
	_, err = w.Write(buf.Bytes())
	return err
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

// storyForReader returns what writes the story as the decision allows: the
// header, the meter notice, the paragraphs the reader may have, and then the
// paywall or, for a wire story read in full, the disclaimer.
func (s *Server) storyForReader(rs *renderedStory, d access.Decision, cfg *settings.Settings) (func(*bytes.Buffer), error) {
	meterNotice := ""
	if d.Reason == meter.Metered {
		meterNotice = s.meterNotice(cfg, d.Used)
	}
	shown, full := access.ShownCount(d, len(rs.ends), cfg.LeadParagraphs)
	var paywall paywallHTML
	if !full {
		var err error
		if paywall, err = s.paywall(cfg, d.Reason, d.Used); err != nil {
			return nil, err
		}
	}
	return func(b *bytes.Buffer) {
		b.WriteString(rs.top)
		b.WriteString(meterNotice)
		b.WriteString(`<div class="story-body">`)
		b.WriteString(rs.paragraphs(shown))
		b.WriteString(`</div>`)
		switch {
		case !full:
			b.WriteString(paywall.before)
			b.WriteString(url.QueryEscape(rs.article.Slug))
			b.WriteString(paywall.after)
		case rs.article.WireSource != "" && cfg.WireDisclaimer != "":
			b.WriteString(`<p class="disclaimer">` + template.HTMLEscapeString(cfg.WireDisclaimer) + `</p>`)
		}
	}, nil
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
