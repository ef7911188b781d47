package web

import (
	"net/http"

	"broadsheet/internal/feeds"
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
	p := s.newPage(w, r, v, "", fp)
	p.Feeds = []feedLink{{"Editors' picks", feeds.PicksPath}}
	return s.render(w, http.StatusOK, "home", p)
}
