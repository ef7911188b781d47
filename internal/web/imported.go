package web

import (
	"errors"
	"net/http"
	"net/url"

	"broadsheet/internal/dberr"
)

// redirectImported answers an address no route serves: an imported
// story's address in the older system redirects for good to the story;
// any other is not found. Only addresses that miss ask the database, so
// the pages that exist pay nothing for it.
func (s *Server) redirectImported(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return notFound()
	}
	slug, err := s.Articles.ImportedTo(r.Context(), r.URL.Path)
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/article/"+url.PathEscape(slug), http.StatusMovedPermanently)
	return nil
}
