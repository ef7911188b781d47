package web

import (
	"encoding/json"
	"html/template"
	neturl "net/url"
	"strings"
	"unicode/utf8"

	"broadsheet/internal/access"
	"broadsheet/internal/settings"
)

// storyHead is what a story's page says of it in its head, to search
// engines and to sites a link is shared on: its description, canonical
// address, feeds, Open Graph and Twitter tags, and schema.org NewsArticle
// markup. d is what an anonymous reader may read of it (access.Anonymous):
// the description is the standfirst, or the first block only when such a
// reader may see it, and a story they may not read whole says so and
// names the element that is cut, as search engines ask of paywalls.
func (s *Server) storyHead(rs *renderedStory, cfg *settings.Settings, d access.Decision) (template.HTML, error) {
	a := rs.article
	url := s.BaseURL + "/article/" + neturl.PathEscape(a.Slug)
	description := a.Summary
	if description == "" && len(access.Project(rs.blocks, d, cfg.LeadParagraphs).Blocks) > 0 {
		description = clip(rs.firstText, maxDescription)
	}
	image := ""
	if a.Image.Name != "" {
		image = s.BaseURL + "/media/" + a.Image.Name
	}
	ld := map[string]any{
		"@context":            "https://schema.org",
		"@type":               "NewsArticle",
		"headline":            a.Headline,
		"datePublished":       a.PublishedAt.Format("2006-01-02T15:04:05Z07:00"),
		"dateModified":        a.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"),
		"mainEntityOfPage":    url,
		"url":                 url,
		"articleSection":      a.SectionName,
		"inLanguage":          cfg.Language,
		"isAccessibleForFree": d.Granted,
		"publisher":           s.publisherLD(cfg),
	}
	if description != "" {
		ld["description"] = description
	}
	if authors := s.authorsLD(rs); len(authors) > 0 {
		ld["author"] = authors
	}
	if image != "" {
		ld["image"] = []string{image}
	}
	if !d.Granted {
		ld["hasPart"] = map[string]any{"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".story-body"}
	}
	js, err := json.Marshal(ld)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	meta := func(attr, name, content string) {
		b.WriteString(`<meta ` + attr + `="` + name + `" content="` + template.HTMLEscapeString(content) + `">` + "\n")
	}
	if description != "" {
		meta("name", "description", description)
	}
	b.WriteString(`<link rel="canonical" href="` + template.HTMLEscapeString(url) + `">` + "\n")
	meta("property", "og:type", "article")
	meta("property", "og:site_name", cfg.Publication)
	meta("property", "og:title", a.Headline)
	meta("property", "og:description", description)
	meta("property", "og:url", url)
	meta("property", "article:published_time", a.PublishedAt.Format("2006-01-02T15:04:05Z07:00"))
	meta("property", "article:section", a.SectionName)
	card := "summary"
	if image != "" {
		meta("property", "og:image", image)
		card = "summary_large_image"
	}
	meta("name", "twitter:card", card)
	meta("name", "twitter:title", a.Headline)
	meta("name", "twitter:description", description)
	if image != "" {
		meta("name", "twitter:image", image)
	}
	// json.Marshal writes <, > and & as \u escapes, so the markup cannot
	// close its script element.
	b.WriteString(`<script type="application/ld+json">` + string(js) + `</script>`)
	return template.HTML(b.String()), nil
}

// maxDescription bounds a description drawn from the story's first
// block, in characters, as long as search engines show.
const maxDescription = 200

// clip shortens text to at most n characters, at a space when there is
// one, marking the cut with an ellipsis.
func clip(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := string([]rune(text)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// authorsLD names the story's authors, each with their page; a byline
// not linked to authors is one name.
func (s *Server) authorsLD(rs *renderedStory) []map[string]string {
	var out []map[string]string
	for _, au := range rs.article.Authors {
		out = append(out, map[string]string{"@type": "Person", "name": au.Name, "url": s.BaseURL + "/author/" + au.Slug})
	}
	if len(out) == 0 && rs.article.Author != "" {
		out = append(out, map[string]string{"@type": "Person", "name": rs.article.Author})
	}
	return out
}

// publisherLD is the publication as an Organization, with its logo.
func (s *Server) publisherLD(cfg *settings.Settings) map[string]any {
	org := map[string]any{"@type": "Organization", "name": cfg.Publication, "url": s.BaseURL + "/"}
	if cfg.Logo != "" {
		org["logo"] = map[string]string{"@type": "ImageObject", "url": s.BaseURL + "/media/" + cfg.Logo}
	}
	return org
}
