package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"broadsheet/internal/dberr"
	"broadsheet/internal/feeds"
)

// The publication's RSS feeds, built and kept by the feeds service: the
// site's, each section's and author's, and the editors' picks.

// feedLink is a feed a page offers in its head, beside the site's.
type feedLink struct {
	Title, Href string
}

func sectionFeed(slug, name string) feedLink { return feedLink{name, feeds.SectionPath(slug)} }

func (s *Server) showSiteFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Feeds.Site(r.Context())
	return sendFeed(w, r, f, err)
}

func (s *Server) showPicksFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Feeds.Picks(r.Context())
	return sendFeed(w, r, f, err)
}

func (s *Server) showSectionFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Feeds.Section(r.Context(), r.PathValue("slug"))
	return sendFeed(w, r, f, err)
}

func (s *Server) showAuthorFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Feeds.Author(r.Context(), r.PathValue("slug"))
	return sendFeed(w, r, f, err)
}

// sendFeed answers with a feed, or 304 to a reader that has it. Every
// reader gets the same feed, so caches may keep it, asking each time
// whether it changed: an unpublished story leaves their copies too.
func sendFeed(w http.ResponseWriter, r *http.Request, f *feeds.Feed, err error) error {
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	h.Set("Cache-Control", "public, no-cache")
	h.Set("ETag", f.ETag)
	h.Set("Last-Modified", f.Updated.UTC().Format(http.TimeFormat))
	if etagMatches(r.Header.Get("If-None-Match"), f.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(f.Body)
	return err
}

// etagMatches reports whether an If-None-Match header names etag: one of
// its list, weak or strong, or "*".
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
