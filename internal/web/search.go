package web

import (
	"net/http"
	"net/url"

	"broadsheet/internal/content"
	"broadsheet/internal/search"
)

// The readers' search of the published stories (see package search).

type searchData struct {
	Request  search.Request
	Sections []content.Section
	Hits     []search.Hit
	Searched bool   // a search ran: an empty result is "nothing found"
	Problem  string // why the search could not run
	Next     string // the next page's address
}

func (s *Server) showSearch(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := &searchData{}
	if d.Sections, err = s.Content.Sections(r.Context()); err != nil {
		return err
	}
	cfg := s.Settings.Get()
	q := r.URL.Query()
	status := http.StatusOK
	req, err := search.ParseRequest(q, cfg.Location)
	d.Request = req
	switch {
	case req.Q == "" && q.Get("cursor") == "":
		// The empty form.
	case search.IsBadRequest(err):
		status, d.Problem = http.StatusBadRequest, err.Error()
	case err != nil:
		return err
	default:
		page, err := s.Search.Search(r.Context(), v.Viewer, req, cfg)
		if err != nil {
			return err
		}
		d.Searched, d.Hits = true, page.Hits
		if page.Next != "" {
			next := url.Values{"q": {req.Q}, "cursor": {page.Next}}
			for k, val := range map[string]string{"section": req.Section, "from": req.From, "to": req.To, "sort": string(req.Sort)} {
				if val != "" {
					next.Set(k, val)
				}
			}
			d.Next = "/search?" + next.Encode()
		}
	}
	title := "Search"
	if req.Q != "" {
		title = "Search: " + req.Q
	}
	return s.render(w, status, "search", s.newPage(w, r, v, title, d))
}
