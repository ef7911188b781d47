package web

import (
	"net/http"
	"strings"

	"broadsheet/internal/httpguard"
)

// maxFormBody bounds every form a page posts (the largest, the admin's
// settings with the paywall copy, is a few KiB).
const maxFormBody = httpguard.MaxBody

// guard refuses with the
// error page what no page can serve: an address or form that is not UTF-8
// text, an oversize body, a file upload.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refusal := httpguard.CheckURL(r)
		if refusal == nil {
			refusal = httpguard.LimitBody(w, r, maxFormBody)
		}
		if refusal == nil {
			refusal = httpguard.CheckForm(r, maxFormBody)
		}
		if refusal != nil {
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
