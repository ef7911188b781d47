package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	neturl "net/url"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/access"
	"broadsheet/internal/settings"
)

// writeStoryHead writes what a story's page says of it in its head, to
// search engines and to sites a link is shared on: its canonical address,
// description, Open Graph and Twitter tags, and schema.org NewsArticle
// markup. d is what an anonymous reader may read of it (access.Anonymous):
// the description is the standfirst, or the first block only when such a
// reader may see it, and a story they may not read whole says so and
// names the element that is cut, as search engines ask of paywalls.
//
// The tags are written on each view rather than kept with the story: they
// repeat the headline and description several times, and kept for every
// story read they took more memory than the story's text.
func (s *Server) writeStoryHead(buf *bytes.Buffer, rs *renderedStory, cfg *settings.Settings, d access.Decision) error {
	a := rs.article
	url := s.BaseURL + "/article/" + neturl.PathEscape(a.Slug)
	description := a.Summary
	if description == "" && len(access.Project(rs.blocks, d, cfg.LeadParagraphs).Blocks) > 0 {
		description = rs.firstText
	}
	image := ""
	if a.Image.Name != "" {
		image = s.BaseURL + "/media/" + a.Image.Name
	}
	published := a.PublishedAt.Format(time.RFC3339)
	meta := func(attr, name, content string) {
		buf.WriteString(`<meta `)
		buf.WriteString(attr)
		buf.WriteString(`="`)
		buf.WriteString(name)
		buf.WriteString(`" content="`)
		buf.WriteString(template.HTMLEscapeString(content)) // no copy when there is nothing to escape
		buf.WriteString("\">\n")
	}
	if description != "" {
		meta("name", "description", description)
	}
	buf.WriteString(`<link rel="canonical" href="`)
	buf.WriteString(template.HTMLEscapeString(url))
	buf.WriteString("\">\n")
	meta("property", "og:type", "article")
	meta("property", "og:site_name", cfg.Publication)
	meta("property", "og:title", a.Headline)
	meta("property", "og:description", description)
	meta("property", "og:url", url)
	meta("property", "article:published_time", published)
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
	ld := newsArticleLD{
		Context: "https://schema.org", Type: "NewsArticle",
		Headline: a.Headline, Description: description,
		DatePublished: published, DateModified: a.UpdatedAt.Format(time.RFC3339),
		MainEntityOfPage: url, URL: url,
		Section: a.SectionName, Language: cfg.Language,
		Free: d.Granted, Author: s.authorsLD(rs), Publisher: s.publisherLD(cfg),
	}
	if image != "" {
		ld.Image = []string{image}
	}
	if !d.Granted {
		ld.HasPart = &cutPartLD{Type: "WebPageElement", CSSSelector: ".story-body"}
	}
	buf.WriteString(`<script type="application/ld+json">`)
	// The encoder writes <, > and & as \u escapes, so the markup cannot
	// close its script element.
	if err := json.NewEncoder(buf).Encode(ld); err != nil {
		return err
	}
	buf.WriteString("</script>\n")
	return nil
}

// newsArticleLD is schema.org's NewsArticle as search engines read it.
type newsArticleLD struct {
	Context          string         `json:"@context"`
	Type             string         `json:"@type"`
	Headline         string         `json:"headline"`
	Description      string         `json:"description,omitempty"`
	DatePublished    string         `json:"datePublished"`
	DateModified     string         `json:"dateModified"`
	MainEntityOfPage string         `json:"mainEntityOfPage"`
	URL              string         `json:"url"`
	Section          string         `json:"articleSection"`
	Language         string         `json:"inLanguage"`
	Image            []string       `json:"image,omitempty"`
	Free             bool           `json:"isAccessibleForFree"`
	HasPart          *cutPartLD     `json:"hasPart,omitempty"`
	Author           []personLD     `json:"author,omitempty"`
	Publisher        organizationLD `json:"publisher"`
}

// cutPartLD names the element a reader without access does not get whole.
type cutPartLD struct {
	Type        string `json:"@type"`
	Free        bool   `json:"isAccessibleForFree"`
	CSSSelector string `json:"cssSelector"`
}

type personLD struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type organizationLD struct {
	Type string   `json:"@type"`
	Name string   `json:"name"`
	URL  string   `json:"url"`
	Logo *imageLD `json:"logo,omitempty"`
}

type imageLD struct {
	Type string `json:"@type"`
	URL  string `json:"url"`
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
func (s *Server) authorsLD(rs *renderedStory) []personLD {
	var out []personLD
	for _, au := range rs.article.Authors {
		out = append(out, personLD{Type: "Person", Name: au.Name, URL: s.BaseURL + "/author/" + au.Slug})
	}
	if len(out) == 0 && rs.article.Author != "" {
		out = append(out, personLD{Type: "Person", Name: rs.article.Author})
	}
	return out
}

// publisherLD is the publication as an Organization, with its logo.
func (s *Server) publisherLD(cfg *settings.Settings) organizationLD {
	org := organizationLD{Type: "Organization", Name: cfg.Publication, URL: s.BaseURL + "/"}
	if cfg.Logo != "" {
		org.Logo = &imageLD{Type: "ImageObject", URL: s.BaseURL + "/media/" + cfg.Logo}
	}
	return org
}
