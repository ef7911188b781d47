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
// stories file, each with its lastmod, the latest change among the
// stories it lists (the pages': among all stories, as the front page
// shows the latest). A file with no story yet has none.
func (s *Service) Index(ctx context.Context) ([]byte, error) {
	files, err := s.starts(ctx)
	if err != nil {
		return nil, err
	}
	news, err := s.newsSitemap(ctx)
	if err != nil {
		return nil, err
	}
	type loc struct {
		XMLName xml.Name `xml:"sitemap"`
		Loc     string   `xml:"loc"`
		LastMod string   `xml:"lastmod,omitempty"`
	}
	entries := []loc{{Loc: s.BaseURL + PagesPath, LastMod: lastMod(latestOf(files))}, {Loc: s.BaseURL + NewsPath, LastMod: lastMod(news.lastMod)}}
	for i, f := range files {
		entries = append(entries, loc{Loc: s.BaseURL + StoriesPath(i+1), LastMod: lastMod(f.lastMod)})
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<sitemapindex xmlns="` + sitemapNS + `">` + "\n")
	enc := xml.NewEncoder(&b)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil { // Encode flushes
			return nil, err
		}
		b.WriteByte('\n')
	}
	b.WriteString("</sitemapindex>\n")
	return b.Bytes(), nil
}

// latestOf is the latest change among the stories of files.
func latestOf(files []file) time.Time {
	var latest time.Time
	for _, f := range files {
		if f.lastMod.After(latest) {
			latest = f.lastMod
		}
	}
	return latest
}

// lastMod is a lastmod element's text; "" (no element) for no time.
func lastMod(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return w3cDate(t)
}

// maxAuthors bounds the authors the pages' sitemap lists, so that with
// its other pages it stays within a sitemap file's bound.
const maxAuthors = MaxPerFile - 1000

// Pages lists the site's own pages: the front page and the archive, with
// the latest change among the stories; each section, with its newest
// story's; and the page of each author with a story out. It is kept until
// a story changes, as the index is.
func (s *Service) Pages(ctx context.Context) ([]byte, error) {
	cfg, now := s.Settings(), s.Now()
	v, gen, ok := load(s, &s.pages, cfg, now)
	if ok {
		return v, nil
	}
	until, err := s.until(ctx, now)
	if err != nil {
		return nil, err
	}
	secs, err := s.Sections(ctx)
	if err != nil {
		return nil, err
	}
	// The index's files know the latest change of all.
	files, err := s.starts(ctx)
	if err != nil {
		return nil, err
	}
	latest := latestOf(files)
	entries := []urlEntry{{Loc: s.BaseURL + "/", LastMod: lastMod(latest)}, {Loc: s.BaseURL + "/archive", LastMod: lastMod(latest)}}
	for _, sec := range secs {
		at, _, err := s.Store.SectionLastChange(ctx, now, sec.ID)
		if err != nil {
			return nil, err
		}
		entries = append(entries, urlEntry{Loc: s.BaseURL + "/section/" + url.PathEscape(sec.Slug), LastMod: lastMod(at)})
	}
	authors, err := s.Store.SitemapAuthors(ctx, now, maxAuthors)
	if err != nil {
		return nil, err
	}
	for _, slug := range authors {
		entries = append(entries, urlEntry{Loc: s.BaseURL + "/author/" + url.PathEscape(slug)})
	}
	var b bytes.Buffer
	err = writeSet(&b, false, func(enc *xml.Encoder) error {
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	store(s, &s.pages, b.Bytes(), gen, cfg, until)
	return b.Bytes(), nil
}

// Stories writes the n-th stories file (from 1) to w, reading the stories
// a batch at a time; ErrNoFile, before writing anything, when the index
// names no such file.
func (s *Service) Stories(ctx context.Context, n int, w io.Writer) error {
	files, err := s.starts(ctx)
	if err != nil {
		return err
	}
	if n < 1 || n > len(files) {
		return ErrNoFile
	}
	now, left, from := s.Now(), s.perFile(), files[n-1].start
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
	f, err := s.newsSitemap(ctx)
	return f.body, err
}

// newsSitemap builds the news sitemap, or returns it as kept.
func (s *Service) newsSitemap(ctx context.Context) (newsFile, error) {
	cfg, now := s.Settings(), s.Now()
	v, gen, ok := load(s, &s.news, cfg, now)
	if ok {
		return v, nil
	}
	until, err := s.until(ctx, now)
	if err != nil {
		return newsFile{}, err
	}
	list, err := s.Store.RecentStories(ctx, now, now.Add(-NewsWindow), maxNews)
	if err != nil {
		return newsFile{}, err
	}
	var f newsFile
	if len(list) > 0 {
		// The oldest story leaves the window then.
		if out := list[len(list)-1].PublishedAt.Add(NewsWindow); out.Before(until) {
			until = out
		}
	}
	var b bytes.Buffer
	err = writeSet(&b, true, func(enc *xml.Encoder) error {
		for _, e := range list {
			if e.UpdatedAt.After(f.lastMod) {
				f.lastMod = e.UpdatedAt
			}
			news := &newsInfo{Date: w3cDate(e.PublishedAt), Title: e.Headline}
			news.Publication.Name, news.Publication.Language = cfg.Publication, newsLanguage(cfg.Language)
			if err := enc.Encode(urlEntry{Loc: s.storyURL(e.Slug), News: news}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return newsFile{}, err
	}
	f.body = b.Bytes()
	store(s, &s.news, f, gen, cfg, until)
	return f, nil
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
