package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/meter"
)

type articleData struct {
	Story       storyHTML
	MeterNotice string
}

func (s *Server) showArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Content.Article(r.Context(), r.PathValue("slug"), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	cfg := s.Settings.Get()
	d, err := s.Access.Decide(r.Context(), v.Viewer, a, cfg)
	if err != nil {
		return err
	}
	story, err := s.renderStory(a, d, cfg)
	if err != nil {
		return err
	}
	data := articleData{Story: story}
	if d.Reason == meter.Metered {
		data.MeterNotice = cfg.MeterNotice.Render(cfg.Vars(d.Used))
	}
	p := s.newPage(w, r, v, a.Headline, data)
	p.Description = a.Summary
	p.Head = story.Head
	return s.render(w, http.StatusOK, "article", p)
}

// articleHead builds the Open Graph tags and schema.org NewsArticle
// markup. They describe the story with its headline and standfirst only;
// for a gated story they say which part is behind the paywall, as search
// engines ask, and carry none of its text.
func articleHead(baseURL string, a *content.Article) (template.HTML, error) {
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
		ld["hasPart"] = map[string]any{"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".story-rest"}
	}
	js, err := json.Marshal(ld)
	if err != nil {
		return "", err
	}
	esc := template.HTMLEscapeString
	return template.HTML(`<meta property="og:type" content="article">
<meta property="og:title" content="` + esc(a.Headline) + `">
<meta property="og:description" content="` + esc(a.Summary) + `">
<meta property="og:url" content="` + esc(url) + `">
<script type="application/ld+json">` + string(js) + `</script>`), nil
}
