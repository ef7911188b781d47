package web

import (
	"net/http"
	"strings"

	"broadsheet/internal/billing"
	"broadsheet/internal/httpguard"
)

// guard refuses with the error page what no page can serve: an address or
// form that is not UTF-8 text, an oversize body, a file upload to a page
// that takes none. Requests the uploads mux routes may carry a file.
//
// Browsers say where a request comes from; a state-changing request from
// another site is refused (CSRF). The guard, outermost, gives even that
// refusal the security headers.
func (s *Server) guard(pages, uploads *http.ServeMux) http.Handler {
	csrf := http.NewCrossOriginProtection()
	// A payment provider sends the reader back from its checkout page
	// with a form posted from its own site. The return only asks the
	// provider what became of the payment, so another site posting it
	// changes nothing the provider did not say.
	csrf.AddInsecureBypassPattern("POST " + billing.ReturnPath)
	// A provider's return from saving a payment method only redirects to
	// its GET, which needs the reader's session.
	csrf.AddInsecureBypassPattern("POST " + billing.SetupReturnPath)
	toPages, toUploads := csrf.Handler(pages), csrf.Handler(uploads)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := toPages
		check := func() *httpguard.Refusal { return httpguard.Check(w, r, httpguard.CheckForm) }
		if r.Method == http.MethodPost && matches(uploads, r) {
			next = toUploads
			check = func() *httpguard.Refusal { return httpguard.CheckUpload(w, r, maxStoryForm) }
		}
		if refusal := check(); refusal != nil {
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

// matches reports whether mux has a route for r.
func matches(mux *http.ServeMux, r *http.Request) bool {
	_, pattern := mux.Handler(r)
	return pattern != ""
}

// sentence makes a message clause a sentence for a page.
func sentence(clause string) string {
	if clause == "" {
		return ""
	}
	return strings.ToUpper(clause[:1]) + clause[1:] + "."
}
