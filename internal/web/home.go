package web

import (
	"errors"
	"net/http"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

func (s *Server) showHome(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	fp, err := s.Articles.FrontPage(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "home", s.newPage(w, r, v, "", fp))
}

type sectionData struct {
	Section  content.Section
	Articles []*content.Article
}

func (s *Server) showSection(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	secs, err := s.Content.Sections(r.Context())
	if err != nil {
		return err
	}
	for _, sec := range secs {
		if sec.Slug != r.PathValue("slug") {
			continue
		}
		list, err := s.Articles.Latest(r.Context(), sec.Slug, nil, 50)
		if err != nil && !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
		return s.render(w, http.StatusOK, "section", s.newPage(w, r, v, sec.Name, sectionData{sec, list}))
	}
	return notFound()
}
