package web

import "net/http"

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
