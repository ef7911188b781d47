package web

import (
	"net/http"
	"strings"

	"broadsheet/internal/httpguard"
)

// guard refuses with the error page what no page can serve: an address or
// form that is not UTF-8 text, an oversize body, a file upload.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusal := httpguard.Check(w, r, httpguard.CheckForm); refusal != nil {
			if refusal.Status == http.StatusNotFound {
				s.renderError(w, r, http.StatusNotFound, notFound().Error())
				return
			}
			s.renderError(w, r, refusal.Status, sentence(refusal.Message))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sentence makes a message clause a sentence for a page.
func sentence(clause string) string {
	if clause == "" {
		return ""
	}
	return strings.ToUpper(clause[:1]) + clause[1:] + "."
}
