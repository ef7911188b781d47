package web

import (
	"bytes"
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
// story read they took more memory than the story's text. So they are
// written straight into the page, JSON-LD included, without building
// anything to encode on the way.
func (s *Server) writeStoryHead(buf *bytes.Buffer, rs *renderedStory, cfg *settings.Settings, d access.Decision) error {
	a := rs.article
	url := s.BaseURL + "/article/" + neturl.PathEscape(a.Slug)
	description := a.Summary
	if description == "" && len(access.Project(rs.blocks, d, cfg.LeadParagraphs).Blocks) > 0 {
		description = rs.firstText
	}
	var stamps [2 * len(time.RFC3339)]byte
	published := a.PublishedAt.AppendFormat(stamps[:0], time.RFC3339)
	modified := a.UpdatedAt.AppendFormat(published[len(published):], time.RFC3339)
	meta := func(attr, name string, content ...string) {
		buf.WriteString(`<meta `)
		buf.WriteString(attr)
		buf.WriteString(`="`)
		buf.WriteString(name)
		buf.WriteString(`" content="`)
		for _, c := range content {
			buf.WriteString(template.HTMLEscapeString(c)) // no copy when there is nothing to escape
		}
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
	meta("property", "article:published_time", string(published))
	meta("property", "article:section", a.SectionName)
	card := "summary"
	if a.Image.Name != "" {
		meta("property", "og:image", s.BaseURL, "/media/", a.Image.Name)
		card = "summary_large_image"
	}
	meta("name", "twitter:card", card)
	meta("name", "twitter:title", a.Headline)
	meta("name", "twitter:description", description)
	if a.Image.Name != "" {
		meta("name", "twitter:image", s.BaseURL, "/media/", a.Image.Name)
	}

	buf.WriteString(`<script type="application/ld+json">`)
	ld := jsonObject{buf: buf}
	ld.field("@context", "https://schema.org")
	ld.field("@type", "NewsArticle")
	ld.field("headline", a.Headline)
	if description != "" {
		ld.field("description", description)
	}
	ld.field("datePublished", string(published))
	ld.field("dateModified", string(modified))
	ld.field("mainEntityOfPage", url)
	ld.field("url", url)
	ld.field("articleSection", a.SectionName)
	ld.field("inLanguage", cfg.Language)
	if a.Image.Name != "" {
		ld.key("image")
		buf.WriteByte('[')
		writeJSONString(buf, s.BaseURL, "/media/", a.Image.Name)
		buf.WriteByte(']')
	}
	ld.flag("isAccessibleForFree", d.Granted)
	if !d.Granted {
		ld.key("hasPart")
		part := jsonObject{buf: buf}
		part.field("@type", "WebPageElement")
		part.flag("isAccessibleForFree", false)
		part.field("cssSelector", ".story-body")
		part.end()
	}
	s.writeAuthorsLD(&ld, rs)
	ld.key("publisher")
	org := jsonObject{buf: buf}
	org.field("@type", "Organization")
	org.field("name", cfg.Publication)
	org.field("url", s.BaseURL, "/")
	if cfg.Logo != "" {
		org.key("logo")
		logo := jsonObject{buf: buf}
		logo.field("@type", "ImageObject")
		logo.field("url", s.BaseURL, "/media/", cfg.Logo)
		logo.end()
	}
	org.end()
	ld.end()
	buf.WriteString("\n</script>\n")
	return nil
}

// writeAuthorsLD names the story's authors, each with their page; a
// byline not linked to authors is one name.
func (s *Server) writeAuthorsLD(ld *jsonObject, rs *renderedStory) {
	a := rs.article
	if len(a.Authors) == 0 && a.Author == "" {
		return
	}
	ld.key("author")
	ld.buf.WriteByte('[')
	person := func(i int, name string, url ...string) {
		if i > 0 {
			ld.buf.WriteByte(',')
		}
		p := jsonObject{buf: ld.buf}
		p.field("@type", "Person")
		p.field("name", name)
		if len(url) > 0 {
			p.field("url", url...)
		}
		p.end()
	}
	for i, au := range a.Authors {
		person(i, au.Name, s.BaseURL, "/author/", au.Slug)
	}
	if len(a.Authors) == 0 {
		person(0, a.Author)
	}
	ld.buf.WriteByte(']')
}

// jsonObject writes a JSON object's members one after another.
type jsonObject struct {
	buf    *bytes.Buffer
	opened bool
}

// key writes the next member's name; its value follows.
func (o *jsonObject) key(name string) {
	if o.opened {
		o.buf.WriteByte(',')
	} else {
		o.buf.WriteByte('{')
		o.opened = true
	}
	writeJSONString(o.buf, name)
	o.buf.WriteByte(':')
}

// field writes a member whose value is a string, given in parts.
func (o *jsonObject) field(name string, value ...string) {
	o.key(name)
	writeJSONString(o.buf, value...)
}

func (o *jsonObject) flag(name string, value bool) {
	o.key(name)
	if value {
		o.buf.WriteString("true")
	} else {
		o.buf.WriteString("false")
	}
}

func (o *jsonObject) end() {
	if !o.opened {
		o.buf.WriteByte('{')
	}
	o.buf.WriteByte('}')
}

// writeJSONString writes the parts of a string as one JSON string,
// escaped as encoding/json escapes for HTML: <, > and & as \u escapes, so
// that the markup cannot close its script element, and the line and
// paragraph separators, which end a line in some JavaScript.
func writeJSONString(buf *bytes.Buffer, parts ...string) {
	buf.WriteByte('"')
	for _, s := range parts {
		start := 0
		for i := 0; i < len(s); {
			c := s[i]
			if c < utf8.RuneSelf {
				if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
					i++
					continue
				}
				buf.WriteString(s[start:i])
				switch c {
				case '"', '\\':
					buf.WriteByte('\\')
					buf.WriteByte(c)
				case '\n':
					buf.WriteString(`\n`)
				case '\r':
					buf.WriteString(`\r`)
				case '\t':
					buf.WriteString(`\t`)
				default:
					buf.WriteString(`\u00`)
					buf.WriteByte(hexDigits[c>>4])
					buf.WriteByte(hexDigits[c&0xf])
				}
				i++
				start = i
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				buf.WriteString(s[start:i])
				if r == utf8.RuneError {
					buf.WriteString(`\ufffd`)
				} else {
					buf.WriteString(`\u202`)
					buf.WriteByte(hexDigits[r&0xf])
				}
				start = i + size
			}
			i += size
		}
		buf.WriteString(s[start:])
	}
	buf.WriteByte('"')
}

const hexDigits = "0123456789abcdef"

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
