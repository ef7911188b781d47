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
	now := s.Now()
	latest, err := s.Store.LatestArticles(r.Context(), now, "", nil, 30)
	if err != nil {
		return err
	}
	picks, err := s.Store.EditorsPicks(r.Context(), now, 5)
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
		list, err := s.Store.LatestArticles(r.Context(), s.Now(), sec.Slug, nil, 50)
		if err != nil && !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
		return s.render(w, http.StatusOK, "section", s.newPage(w, r, v, sec.Name, sectionData{sec, list}))
	}
	return notFound()
}
