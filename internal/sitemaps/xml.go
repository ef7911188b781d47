package sitemaps

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/content"
)

const (
	sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
	newsNS    = "http://www.google.com/schemas/sitemap-news/0.9"
)

// The files' addresses on the site.
const (
	IndexPath = "/sitemap.xml"
	PagesPath = "/sitemaps/pages.xml"
	NewsPath  = "/sitemaps/news.xml"
)

// StoriesPath is the address of the n-th stories file, from 1.
func StoriesPath(n int) string { return "/sitemaps/stories/" + strconv.Itoa(n) + ".xml" }

type urlEntry struct {
	XMLName xml.Name  `xml:"url"`
	Loc     string    `xml:"loc"`
	LastMod string    `xml:"lastmod,omitempty"`
	News    *newsInfo `xml:"news:news"`
}

type newsInfo struct {
	Publication struct {
		Name     string `xml:"news:name"`
		Language string `xml:"news:language"`
	} `xml:"news:publication"`
	Date  string `xml:"news:publication_date"`
	Title string `xml:"news:title"`
}

// w3cDate is the sitemaps' date, W3C's profile of ISO 8601.
func w3cDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Service) storyURL(slug string) string { return s.BaseURL + "/article/" + url.PathEscape(slug) }

// writeSet writes a urlset of entries, with the news namespace when news.
func writeSet(w io.Writer, news bool, each func(enc *xml.Encoder) error) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: "urlset"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: sitemapNS}}}
	if news {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "xmlns:news"}, Value: newsNS})
	}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := each(enc); err != nil {
		return err
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Index is the sitemap index: the pages, the news sitemap, and each
// stories file.
func (s *Service) Index(ctx context.Context) ([]byte, error) {
	starts, err := s.starts(ctx)
	if err != nil {
		return nil, err
	}
	type loc struct {
		XMLName xml.Name `xml:"sitemap"`
		Loc     string   `xml:"loc"`
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<sitemapindex xmlns="` + sitemapNS + `">` + "\n")
	enc := xml.NewEncoder(&b)
	paths := []string{PagesPath, NewsPath}
	for i := range starts {
		paths = append(paths, StoriesPath(i+1))
	}
	for _, p := range paths {
		if err := enc.Encode(loc{Loc: s.BaseURL + p}); err != nil { // Encode flushes
			return nil, err
		}
		b.WriteByte('\n')
	}
	b.WriteString("</sitemapindex>\n")
	return b.Bytes(), nil
}

// Pages lists the site's own pages: the front page, the archive and each
// section.
func (s *Service) Pages(ctx context.Context) ([]byte, error) {
	secs, err := s.Sections(ctx)
	if err != nil {
		return nil, err
	}
	paths := []string{"/", "/archive"}
	for _, sec := range secs {
		paths = append(paths, "/section/"+url.PathEscape(sec.Slug))
	}
	var b bytes.Buffer
	err = writeSet(&b, false, func(enc *xml.Encoder) error {
		for _, p := range paths {
			if err := enc.Encode(urlEntry{Loc: s.BaseURL + p}); err != nil {
				return err
			}
		}
		return nil
	})
	return b.Bytes(), err
}

// Stories writes the n-th stories file (from 1) to w, reading the stories
// a batch at a time; ErrNoFile, before writing anything, when the index
// names no such file.
func (s *Service) Stories(ctx context.Context, n int, w io.Writer) error {
	starts, err := s.starts(ctx)
	if err != nil {
		return err
	}
	if n < 1 || n > len(starts) {
		return ErrNoFile
	}
	now, left, from := s.Now(), s.perFile(), starts[n-1]
	first, err := s.Store.SitemapStories(ctx, now, from, min(batch, left))
	if err != nil {
		return err
	}
	return writeSet(w, false, func(enc *xml.Encoder) error {
		for list := first; len(list) > 0; {
			for _, e := range list {
				if err := enc.Encode(urlEntry{Loc: s.storyURL(e.Slug), LastMod: w3cDate(e.UpdatedAt)}); err != nil {
					return err
				}
			}
			left -= len(list)
			if left <= 0 || len(list) < batch {
				return nil
			}
			// The next batch starts just after the last story listed.
			last := list[len(list)-1]
			if list, err = s.Store.SitemapStories(ctx, now, &content.Cursor{PublishedAt: last.PublishedAt, ID: last.ID + 1}, min(batch, left)); err != nil {
				return err
			}
		}
		return nil
	})
}

// News is the Google News sitemap: the stories published in the last
// NewsWindow, newest first, each with its headline, date and the
// publication's name and language.
func (s *Service) News(ctx context.Context) ([]byte, error) {
	cfg, now := s.Settings(), s.Now()
	v, gen, ok := load(s, &s.news, cfg, now)
	if ok {
		return v, nil
	}
	until, err := s.until(ctx, now)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.RecentStories(ctx, now, now.Add(-NewsWindow), maxNews)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		// The oldest story leaves the window then.
		if out := list[len(list)-1].PublishedAt.Add(NewsWindow); out.Before(until) {
			until = out
		}
	}
	var b bytes.Buffer
	err = writeSet(&b, true, func(enc *xml.Encoder) error {
		for _, e := range list {
			news := &newsInfo{Date: w3cDate(e.PublishedAt), Title: e.Headline}
			news.Publication.Name, news.Publication.Language = cfg.Publication, newsLanguage(cfg.Language)
			if err := enc.Encode(urlEntry{Loc: s.storyURL(e.Slug), News: news}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	store(s, &s.news, b.Bytes(), gen, cfg, until)
	return b.Bytes(), nil
}

// newsLanguage is the language as Google News names it: the ISO 639 code
// alone, but for Chinese, whose script it keeps (zh-cn, zh-tw).
func newsLanguage(tag string) string {
	tag = strings.ToLower(tag)
	if tag == "zh-cn" || tag == "zh-tw" {
		return tag
	}
	lang, _, _ := strings.Cut(tag, "-")
	return lang
}

// Robots is robots.txt: crawl the stories and pages, not the accounts,
// checkout, console, API or search results, and where the sitemaps are.
func (s *Service) Robots() []byte {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, p := range []string{"/admin", "/account", "/api/", "/login", "/logout", "/register", "/password/",
		"/subscribe/", "/checkout/", "/pay/", "/renewal/", "/search"} {
		b.WriteString("Disallow: " + p + "\n")
	}
	b.WriteString("\nSitemap: " + s.BaseURL + IndexPath + "\n")
	return []byte(b.String())
}
