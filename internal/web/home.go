package web

import (
	"net/http"

	"broadsheet/internal/ads"
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
	p.Ad = adFor(w, s.Settings.Get().Ads, v, ads.HomeTop)
	return s.render(w, http.StatusOK, "home", p)
}
