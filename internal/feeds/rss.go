package feeds

import (
	"bytes"
	"encoding/xml"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/markup"
	"broadsheet/internal/settings"
)

// channel is what a feed says of itself; paths are on the site.
type channel struct {
	Title, Description string
	Path               string // the page the feed follows
	Self               string // the feed's own address
}

// The RSS 2.0 document, with the content module for a story's HTML, the
// Dublin Core creator for its byline, and Atom's self link, as feed
// validators ask.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Content string     `xml:"xmlns:content,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Creator     string  `xml:"dc:creator,omitempty"`
	Category    string  `xml:"category,omitempty"`
	Description string  `xml:"description"`
	Content     string  `xml:"content:encoded"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// rssDate is RSS's date: RFC 822 with a four-digit year, as RFC 1123
// writes it, in UTC.
func rssDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// render writes the feed of stories for the settings at now, and says
// until when it holds: the first moment one of its free stories passes
// into the archive, when that story must be cut, or maxAge from now.
func (s *Service) render(ch channel, stories []*content.Article, cfg *settings.Settings, now time.Time) ([]byte, time.Time) {
	until := now.Add(maxAge)
	doc := rssDoc{
		Version: "2.0",
		Content: "http://purl.org/rss/1.0/modules/content/",
		DC:      "http://purl.org/dc/elements/1.1/",
		Atom:    "http://www.w3.org/2005/Atom",
		Channel: rssChannel{
			Title: ch.Title, Link: s.BaseURL + ch.Path, Description: ch.Description, Language: cfg.Language,
			LastBuildDate: rssDate(newest(stories, now)),
			Self:          atomLink{Href: s.BaseURL + ch.Self, Rel: "self", Type: "application/rss+xml"},
		},
	}
	for _, a := range stories {
		d := access.Anonymous(a, now, cfg)
		if d.Granted && cfg.ArchiveDays > 0 {
			if at := a.PublishedAt.Add(time.Duration(cfg.ArchiveDays) * 24 * time.Hour); at.Before(until) {
				until = at
			}
		}
		doc.Channel.Items = append(doc.Channel.Items, s.item(a, d, cfg))
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		// Only strings and structs are encoded, which cannot fail.
		panic("feeds: " + err.Error())
	}
	b.WriteByte('\n')
	return b.Bytes(), until
}

// item is one story as an anonymous reader may have it (d): its blocks
// as access.Project cuts them, and for a story cut, a link to read on.
func (s *Service) item(a *content.Article, d access.Decision, cfg *settings.Settings) rssItem {
	link := s.BaseURL + "/article/" + url.PathEscape(a.Slug)
	shown := access.Project(a.Blocks(), d, cfg.LeadParagraphs)
	var body strings.Builder
	if im := a.Image; im.Name != "" {
		// The lead image, which every reader sees above the story.
		body.WriteString(`<figure><img src="` + html.EscapeString(s.BaseURL+"/media/"+url.PathEscape(im.Name)) + `" alt="` +
			html.EscapeString(im.Caption) + `"><figcaption>` + html.EscapeString(strings.TrimSpace(im.Caption+" "+im.Credit)) + "</figcaption></figure>\n")
	}
	for _, b := range shown.Blocks {
		body.WriteString(b.HTML)
		body.WriteByte('\n')
	}
	switch {
	case !shown.Whole:
		body.WriteString(`<p><a href="` + html.EscapeString(link) + `">Continue reading at ` + html.EscapeString(cfg.Publication) + `</a></p>`)
	case a.WireSource != "" && cfg.WireDisclaimer != "":
		body.WriteString(`<p class="disclaimer">` + html.EscapeString(cfg.WireDisclaimer) + `</p>`)
	}
	return rssItem{
		Title:       a.Headline,
		Link:        link,
		GUID:        rssGUID{IsPermaLink: "false", Value: s.guid(a)},
		PubDate:     rssDate(a.PublishedAt),
		Creator:     a.Author,
		Category:    a.SectionName,
		Description: summary(a, shown),
		Content:     body.String(),
	}
}

// guid names a story for good, whatever its address becomes: a tag URI
// (RFC 4151) of the site's host and the story's number.
func (s *Service) guid(a *content.Article) string {
	host := s.BaseURL
	if u, err := url.Parse(s.BaseURL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	return "tag:" + host + ",2026:article/" + strconv.FormatInt(a.ID, 10)
}

// summary is the item's description: the standfirst, or the words of the
// first block shown.
func summary(a *content.Article, shown access.Projection[markup.Block]) string {
	if a.Summary != "" || len(shown.Blocks) == 0 {
		return a.Summary
	}
	return shown.Blocks[0].Text
}
