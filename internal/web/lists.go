package web

import (
	"errors"
	"net/http"
	"net/url"

	"broadsheet/internal/ads"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/feeds"
	"broadsheet/internal/offer"
)

// The pages of a section, an author and a tag: their published stories,
// newest first, content.PageSize at a time, each page linking to the next
// by a cursor (?before=), never by an offset.

type listData struct {
	Section *content.Section
	Author  *content.Author
	Bio     []string // the author's bio, by paragraph
	Tag     *content.Tag
	// Vertical is the market-insights benefit, on a section in the
	// vertical, which links to the vertical's page.
	Vertical offer.Shown
	Stories  []*content.Article
	Older    string // the next page's address, or ""
	Paged    bool   // this is not the first page
}

// errBadListCursor answers a ?before= this site did not write: a
// mistyped or altered address, which no page answers.
var errBadListCursor = badRequest("That page of stories does not exist: its ?before= is not one this site wrote. " +
	"Start again from the first page.")

// cursorOf reads the page's ?before= cursor: nil for the first page.
func cursorOf(r *http.Request) (*content.Cursor, error) {
	c, err := content.ParseCursor(r.URL.Query().Get("before"))
	if err != nil {
		return nil, errBadListCursor
	}
	return c, nil
}

// paged fills d with page p of the list at path.
func paged(d *listData, path string, p content.Page, after *content.Cursor) *listData {
	d.Stories, d.Paged = p.Stories, after != nil
	if p.Next != nil {
		d.Older = path + "?" + url.Values{"before": {p.Next.String()}}.Encode()
	}
	return d
}

func (s *Server) showSection(w http.ResponseWriter, r *http.Request) error {
	after, err := cursorOf(r)
	if err != nil {
		return err
	}
	secs, err := s.Content.Sections(r.Context())
	if err != nil {
		return err
	}
	sec, ok := content.SectionBySlug(secs, r.PathValue("slug"))
	if !ok {
		return notFound()
	}
	p, err := s.Articles.SectionPage(r.Context(), sec, after)
	if err != nil {
		return err
	}
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := paged(&listData{Section: &sec}, "/section/"+sec.Slug, p, after)
	if sec.Vertical {
		d.Vertical, _ = s.Offer.Offered(offer.MarketInsights)
	}
	pg := s.newPage(w, r, v, sec.Name, d)
	pg.Feeds = []feedLink{sectionFeed(sec.Slug, sec.Name)}
	pg.Ad = adFor(w, s.Settings.Get().Ads, v, ads.SectionTop)
	return s.render(w, http.StatusOK, "section", pg)
}

func (s *Server) showAuthor(w http.ResponseWriter, r *http.Request) error {
	after, err := cursorOf(r)
	if err != nil {
		return err
	}
	au, p, err := s.Articles.AuthorPage(r.Context(), r.PathValue("slug"), after)
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
	d := paged(&listData{Author: au, Bio: content.SplitParagraphs(au.Bio)}, "/author/"+au.Slug, p, after)
	pg := s.newPage(w, r, v, au.Name, d)
	pg.Feeds = []feedLink{{au.Name, feeds.AuthorPath(au.Slug)}}
	return s.render(w, http.StatusOK, "author", pg)
}

func (s *Server) showTag(w http.ResponseWriter, r *http.Request) error {
	after, err := cursorOf(r)
	if err != nil {
		return err
	}
	t, p, err := s.Articles.TagPage(r.Context(), r.PathValue("slug"), after)
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
	d := paged(&listData{Tag: t}, "/tag/"+t.Slug, p, after)
	return s.render(w, http.StatusOK, "tag", s.newPage(w, r, v, t.Name, d))
}
