package api

import (
	"errors"
	"fmt"
	"net/http"

	"broadsheet/internal/content"
)

// The archive for apps: the stories of one day of the publication, oldest
// first, and a section's stories, newest first, content.PageSize at a
// time, each page naming the next by an opaque cursor of (published_at,
// id), never an offset. Like the pages they mirror, they list summaries,
// never a body: what a reader may read of a story is for the story's own
// endpoint to say.

// storyPage is one page of a list of stories and the cursor of the next.
type storyPage struct {
	Articles   []articleSummary `json:"articles"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *Server) storyPageOf(p content.Page) storyPage {
	out := storyPage{Articles: make([]articleSummary, 0, len(p.Stories))}
	for _, a := range p.Stories {
		out.Articles = append(out.Articles, s.summaryOf(a))
	}
	if p.Next != nil {
		out.NextCursor = encodeCursor(*p.Next)
	}
	return out
}

// errForeignCursor answers a cursor this API did not give out.
var errForeignCursor = badRequest("cursor is not one this API gave out for this list: start again without one")

// cursorParam reads ?cursor=: nil for the first page.
func cursorParam(r *http.Request) (*content.Cursor, error) {
	v := r.URL.Query().Get("cursor")
	if v == "" {
		return nil, nil
	}
	c, err := decodeCursor(v)
	if err != nil {
		return nil, errForeignCursor
	}
	return c, nil
}

func (s *Server) showArchiveDay(w http.ResponseWriter, r *http.Request) error {
	y, m, d, ok := content.ArchiveDate(r.PathValue("year"), r.PathValue("month"), r.PathValue("day"))
	if !ok || d == 0 {
		return notFound("no such date: the archive's days are /api/v1/archive/yyyy/mm/dd")
	}
	after, err := cursorParam(r)
	if err != nil {
		return err
	}
	p, err := s.Articles.ArchiveDay(r.Context(), s.Settings.Get().Location, y, m, d, after)
	if errors.Is(err, content.ErrBadCursor) {
		return errForeignCursor
	}
	if err != nil {
		return err
	}
	if len(p.Stories) == 0 && after == nil {
		return notFound("no stories were published that day")
	}
	return writeJSON(w, http.StatusOK, struct {
		Date string `json:"date"`
		storyPage
	}{fmt.Sprintf("%04d-%02d-%02d", y, m, d), s.storyPageOf(p)})
}

func (s *Server) listSectionArticles(w http.ResponseWriter, r *http.Request) error {
	after, err := cursorParam(r)
	if err != nil {
		return err
	}
	secs, err := s.Content.Sections(r.Context())
	if err != nil {
		return err
	}
	sec, ok := content.SectionBySlug(secs, r.PathValue("slug"))
	if !ok {
		return notFound("no such section")
	}
	p, err := s.Articles.SectionPage(r.Context(), sec, after)
	if err != nil {
		return err
	}
	type section struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	}
	return writeJSON(w, http.StatusOK, struct {
		Section section `json:"section"`
		storyPage
	}{section{sec.Slug, sec.Name}, s.storyPageOf(p)})
}
