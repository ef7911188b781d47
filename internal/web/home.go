package web

import (
	"errors"
	"net/http"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

type homeData struct {
	Latest []*content.Article
	Picks  []*content.Article
}

func (s *Server) showHome(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	latest, err := s.Articles.Latest(r.Context(), "", nil, 30)
	if err != nil {
		return err
	}
	picks, err := s.Articles.EditorsPicks(r.Context(), 5)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, v, "", homeData{Latest: latest, Picks: picks})
	return s.render(w, http.StatusOK, "home", p)
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
