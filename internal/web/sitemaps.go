package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"broadsheet/internal/sitemaps"
)

// What search engines read: robots.txt and the sitemaps, written by the
// sitemaps service.

func (s *Server) showRobots(w http.ResponseWriter, r *http.Request) error {
	return sendSearchFile(w, "text/plain; charset=utf-8", s.Sitemaps.Robots(), nil)
}

func (s *Server) showSitemapIndex(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Sitemaps.Index(r.Context())
	return sendSearchFile(w, "application/xml; charset=utf-8", b, err)
}

func (s *Server) showSitemapPages(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Sitemaps.Pages(r.Context())
	return sendSearchFile(w, "application/xml; charset=utf-8", b, err)
}

func (s *Server) showNewsSitemap(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Sitemaps.News(r.Context())
	return sendSearchFile(w, "application/xml; charset=utf-8", b, err)
}

// showStorySitemap streams a stories file (up to 50,000 addresses) as it
// is read, a batch at a time, rather than building it whole in memory.
func (s *Server) showStorySitemap(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
	if err != nil || !strings.HasSuffix(r.PathValue("n"), ".xml") {
		return notFound()
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	out := &countingWriter{w: w}
	err = s.Sitemaps.Stories(r.Context(), n, out)
	switch {
	case errors.Is(err, sitemaps.ErrNoFile):
		return notFound()
	case err != nil && out.n > 0:
		// Part of the file is sent: cut the connection, so that the
		// crawler sees a failure rather than a short, well-formed list.
		s.Log.Error("sitemap cut short", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// sendSearchFile answers with a file for crawlers. They may keep it for a
// few minutes: it lists addresses, never a story's text, and a story
// taken down answers 404 at its address at once.
func sendSearchFile(w http.ResponseWriter, contentType string, b []byte, err error) error {
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}
